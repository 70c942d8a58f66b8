// The real platform (`startServer` from @hazwatch/server) for end-to-end tests of the agent: loopback,
// free ports, its own data dir, the embedded broker or an external one.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { resolveConfig, startServer, type RunningServer } from '@hazwatch/server';

export const SITE = fileURLToPath(new URL('../fixtures/site.yaml', import.meta.url));
/** The MQTT secret the platform issues to every gateway of the test site (user `{enterpriseId}/{gatewayId}`). */
export const GATEWAY_SECRET = 'edge-test-gateway-secret';
const tokens = new WeakMap<RunningServer, string>();

export async function startPlatform(dataDir: string, opts: { mqttUrl?: string } = {}): Promise<RunningServer> {
  const config = resolveConfig({
    env: {
      HAZWATCH_SITE: SITE,
      HAZWATCH_DATA_DIR: dataDir,
      HAZWATCH_HTTP_HOST: '127.0.0.1',
      HAZWATCH_HTTP_PORT: '0',
      HAZWATCH_MQTT_HOST: '127.0.0.1',
      HAZWATCH_MQTT_PORT: '0',
      HAZWATCH_LOG_LEVEL: 'silent',
      ...(opts.mqttUrl ? { HAZWATCH_MQTT_URL: opts.mqttUrl } : {}),
    },
  });
  const server = await startServer(config, { logger: pino({ level: process.env.HAZWATCH_TEST_LOG ?? 'silent' }), dashboardDir: join(dataDir, 'no-dashboard') });
  // Issue 6: gateways sign in to the platform's broker; the tests read the API as an admin.
  for (const e of server.configs.latest()?.site.enterprises ?? []) for (const g of e.gateways) server.auth.gatewayCredential(e.id, g.id, 'test', GATEWAY_SECRET);
  tokens.set(server, server.auth.issueToken({ name: 'edge-tests', role: 'admin', enterpriseId: null, region: null, expiresAt: null }, 'test').token);
  return server;
}

/**
 * The gateway's batches as the platform stored them: `all` every stored seq (the store writes a seq at
 * most once), `arrival` the seqs of batches with readings in the order their writes committed (each
 * batch's readings carry its arrival number).
 */
export function stored(server: RunningServer, gatewayId: string): { all: number[]; arrival: number[] } {
  const db = new Database(join(server.dataDir, 'telemetry.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const gw = 'gw IN (SELECT id FROM gateways WHERE gateway_id = ?)';
    const all = db.prepare(`SELECT seq FROM batches WHERE ${gw} ORDER BY seq`).all(gatewayId) as { seq: number }[];
    const arrival = db.prepare(`SELECT seq FROM readings WHERE ${gw} GROUP BY seq ORDER BY MIN(batch)`).all(gatewayId) as { seq: number }[];
    return { all: all.map((r) => r.seq), arrival: arrival.map((r) => r.seq) };
  } finally {
    db.close();
  }
}

export async function platformJson<T = unknown>(server: RunningServer, url: string): Promise<T> {
  const res = await server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.get(server) ?? ''}` } });
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

/** 1, 2, …, n: what every batch delivered once and in order looks like. */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
