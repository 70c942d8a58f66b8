// Helpers for the alarm lifecycle tests: a site with alerting sections, loopback HTTP receivers that
// fail on command, and the real server started with test secrets and fixed jitter.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { AlarmRecord } from '@hazwatch/protocols';
import { startServer, type RunningServer } from '../src/app.ts';
import { resolveConfig } from '../src/config.ts';
import { FIXTURE_SITE, TEST_SCRYPT, authenticatedTestServer, batch, loopbackEnv, getJson, waitFor, type TestServer } from './helpers.ts';

export type Received = { n: number; method: string; url: string; headers: IncomingHttpHeaders; body: string; status: number; answer: string };

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers as `respond` says for the
 * n-th request (1-based); default 200 `{}`.
 */
export async function startReceiver(respond: (n: number, r: Omit<Received, 'status' | 'answer'>) => { status: number; body?: string } = () => ({ status: 200 })) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { n: received.length + 1, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const a = respond(r.n, r);
      const answer = a.body ?? '{}';
      received.push({ ...r, status: a.status, answer });
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * The fixture site with an `alerting` section for ent-1 and a site-wide one (both YAML flow text),
 * written into `dir`; returns the file name.
 */
export function alertingSite(dir: string, enterprise: string, site: string, name = 'site.yaml'): string {
  const text = readFileSync(FIXTURE_SITE, 'utf8');
  const anchor = '    timezone: Asia/Shanghai\n';
  if (!text.includes(anchor)) throw new Error('fixture site changed: no timezone line to anchor the alerting section');
  const out = `${text.replace(anchor, `${anchor}    alerting: ${enterprise}\n`)}alerting: ${site}\n`;
  const file = join(dir, name);
  writeFileSync(file, out);
  return file;
}

/** The real server on loopback with free ports, test secrets and fixed jitter. */
export async function startAlertingServer(dataDir: string, site: string, secrets: Record<string, string> = {}): Promise<TestServer> {
  const config = resolveConfig({ env: loopbackEnv(site, dataDir) });
  return authenticatedTestServer(
    await startServer(config, {
      logger: pino({ level: process.env.HAZWATCH_TEST_LOG ?? 'silent' }),
      dashboardDir: join(dataDir, 'no-dashboard'),
      secrets: (name) => secrets[name],
      random: () => 0.5,
      scrypt: TEST_SCRYPT,
    }),
  );
}

let seq = 0;
/** Publishes a reading for a workshop (gw-1: ws-a, gw-2: ws-b) and waits for the broker's PUBACK. */
export async function reading(gw: MqttClient, gatewayId: 'gw-1' | 'gw-2', r: Record<string, unknown>): Promise<void> {
  seq++;
  await gw.publishAsync(`hazwatch/v1/ent-1/${gatewayId}/telemetry`, JSON.stringify(batch(Date.now() + seq, [{ ts: Date.now(), ...r }], gatewayId)), { qos: 1 });
}

export async function activeAlarm(server: RunningServer, match: (a: AlarmRecord) => boolean, what: string): Promise<AlarmRecord> {
  return waitFor(async () => (await getJson<AlarmRecord[]>(server, '/api/v1/alarms?state=active')).find(match), what);
}

export type Detail = {
  alarm: AlarmRecord;
  events: { seq: number; kind: string; at: string; by: string | null; detail: Record<string, unknown> | null; hash: string }[];
  deliveries: { key: string; channel: string; state: string; attempts: number; fallbackFor: string | null; reasons: string[]; receipts: { n: number; outcome: string; status: number | null; error: string | null }[] }[];
  evidence: { from: string; to: string; readings: { reading: Record<string, unknown> }[] };
};
export const detail = (server: RunningServer, id: string) => getJson<Detail>(server, `/api/v1/alarms/${id}`);

/** POSTs an action as the operator `actor` of enterprise `scope` (default ent-1), logged in with a session. */
export async function act(server: TestServer, id: string, action: string, body: Record<string, unknown>, actor = '张工', scope?: string) {
  // The enterprise's safety staff: they assign, close (闭环) and shelve, not only acknowledge.
  const cookie = await server.loginAs(actor, 'enterprise-admin', { enterpriseId: scope ?? 'ent-1' });
  const res = await server.app.inject({ method: 'POST', url: `/api/v1/alarms/${id}/${action}`, payload: body, headers: { cookie } });
  return { status: res.statusCode, body: res.json() as { alarm: AlarmRecord; seq: number } & { error?: string; message?: string } };
}
