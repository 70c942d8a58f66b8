import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createAgentWith, parseAgentConfig, type AgentConfigInput, type AgentHealth, type Clock, type InputAdapter, type InputFactory, type ReadingSink } from '../../src/index.ts';

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

export const silent = pino({ level: process.env.AGENT_TEST_LOG ?? 'silent' });

export function agentWith(url: string, dataDir: string, input: InputAdapter | InputFactory, extra: Partial<AgentConfigInput> = {}, clock?: Clock) {
  const config = parseAgentConfig(
    {
      enterpriseId: 'ent-1',
      gatewayId: 'gw-1',
      dataDir,
      // The platform's broker wants the gateway's credentials (issue 6); an anonymous Mosquitto ignores them.
      mqtt: { url, reconnectSeconds: 0.2, username: 'ent-1/gw-1', password: 'edge-test-gateway-secret' },
      heartbeatSeconds: 3600,
      // Not used: the test hands the agent its input.
      input: { kind: 'simulator', site: 'unused.yaml' },
      ...extra,
    },
    dataDir,
  );
  return createAgentWith(config, input, silent, clock ? { clock } : {});
}

export function workshop(ts: number, total: number, materialKg = 100) {
  return { workshopId: 'ws-1', ts, headcount: { total, persons: [] }, materialKg };
}

/** Lets pending immediates run, so readings pushed before go out in their own batch. */
export const nextTurn = () => new Promise<void>((r) => setImmediate(r));

export type PostReply = { status: number; body: { error?: string; problems?: { path: string; message: string }[]; faults?: unknown[]; accepted?: number } };

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<PostReply> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as PostReply['body'] };
}

/** GET a JSON document; by default the agent's health. */
export async function getJson<T = AgentHealth>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}
