import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createAgentWith, parseAgentConfig, type AgentConfigInput, type InputAdapter, type ReadingSink } from '../../src/index.ts';

/** An input adapter the test drives by hand, as a door counter or scale would. */
export class ManualInput implements InputAdapter {
  readonly name = 'manual';
  private sink: ReadingSink | null = null;
  async start(sink: ReadingSink) {
    this.sink = sink;
  }
  async stop() {
    this.sink = null;
  }
  push(...readings: unknown[]) {
    if (!this.sink) throw new Error('input not started');
    this.sink(readings);
  }
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hazwatch-agent-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const silent = pino({ level: 'silent' });

export function agentWith(url: string, dataDir: string, input: InputAdapter, extra: Partial<AgentConfigInput> = {}) {
  const config = parseAgentConfig(
    {
      enterpriseId: 'ent-1',
      gatewayId: 'gw-1',
      dataDir,
      mqtt: { url, reconnectSeconds: 0.2 },
      heartbeatSeconds: 3600,
      // Not used: the test hands the agent its input.
      input: { kind: 'simulator', site: 'unused.yaml' },
      ...extra,
    },
    dataDir,
  );
  return createAgentWith(config, input, silent);
}

export function workshop(ts: number, total: number, materialKg = 100) {
  return { workshopId: 'ws-1', ts, headcount: { total, persons: [] }, materialKg };
}

/** Lets pending immediates run, so readings pushed before go out in their own batch. */
export const nextTurn = () => new Promise<void>((r) => setImmediate(r));
