import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../src/app.ts';
import { resolveConfig } from '../src/config.ts';

export const FIXTURE_SITE = fileURLToPath(new URL('./fixtures/site.yaml', import.meta.url));

export function tempDir(prefix = 'hazwatch-server-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The real server on loopback with free ports, a fixture site and its own data dir. */
export async function startTestServer(dataDir: string, opts: { site?: string; dashboardDir?: string; env?: Record<string, string> } = {}): Promise<RunningServer> {
  const config = resolveConfig({
    env: {
      HAZWATCH_SITE: opts.site ?? FIXTURE_SITE,
      HAZWATCH_DATA_DIR: dataDir,
      HAZWATCH_HTTP_HOST: '127.0.0.1',
      HAZWATCH_HTTP_PORT: '0',
      HAZWATCH_MQTT_HOST: '127.0.0.1',
      HAZWATCH_MQTT_PORT: '0',
      HAZWATCH_LOG_LEVEL: 'silent',
      ...opts.env,
    },
  });
  return startServer(config, {
    logger: pino({ level: process.env.HAZWATCH_TEST_LOG ?? 'silent' }),
    dashboardDir: opts.dashboardDir ?? join(dataDir, 'no-dashboard'),
  });
}

export async function connectGateway(url: string, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 });
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function getJson<T = unknown>(server: RunningServer, url: string): Promise<T> {
  const res = await server.app.inject({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

export function batch(seq: number, readings: unknown[], gatewayId = 'gw-1') {
  return { v: 1, gatewayId, seq, sentAt: Date.now(), readings };
}
