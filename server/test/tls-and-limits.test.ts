// Issue 6, transport: HTTPS and mqtts on the embedded broker (HAZWATCH_HTTP_TLS_*, HAZWATCH_MQTT_TLS_*)
// with a throwaway CA made here by openssl, and the size limits: the broker's MQTT packet guard
// (HAZWATCH_MQTT_MAX_PACKET_BYTES) and the HTTP body limit (HAZWATCH_HTTP_BODY_LIMIT_BYTES).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '@hazwatch/protocols';
import { MAX_PAYLOAD_BYTES } from '../src/ingest/validate.ts';
import type { IngestStatsView } from '../src/ingest/stats.ts';
import { batch, connectGateway, gatewayLogin, getJson, startTestServer, tempDir, waitFor, type TestServer, capturedLogger } from './helpers.ts';

const HAVE_OPENSSL = existsSync('/usr/bin/openssl');
const telemetryTopic = (gw: string) => `hazwatch/v1/ent-1/${gw}/telemetry`;

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** One request over HTTPS; `ca` undefined: only the system's trusted CAs. */
function httpsSend(url: string, ca?: Buffer, opts: { method?: string; json?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const req = httpsRequest(url, { method: opts.method ?? 'GET', headers, ...(ca ? { ca } : {}), agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** One plain-HTTP request; `chunked`: no content-length, the body streamed. */
function httpSend(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; chunked?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers };
    if (opts.body !== undefined && !opts.chunked) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (opts.body !== undefined) {
      if (opts.chunked) {
        // Several writes so the server sees a streamed body whose size it learns only as it arrives.
        const step = 4096;
        for (let i = 0; i < opts.body.length; i += step) req.write(opts.body.slice(i, i + step));
      } else req.write(opts.body);
    }
    req.end();
  });
}

/** A batch of `n` workshop readings for gw-1 (ws-a), each well inside the fixture's limits. */
function readingsBatch(seq: number, n: number, gatewayId = 'gw-1', workshopId = 'ws-a') {
  const t = Date.now() - n;
  return batch(seq, Array.from({ length: n }, (_, i) => ({ workshopId, ts: t + i, headcount: { total: 1 }, materialKg: 12.5 })), gatewayId);
}

const stats = (s: TestServer) => getJson<IngestStatsView>(s, '/api/v1/ingest/stats');

describe.skipIf(!HAVE_OPENSSL)('TLS: HTTPS and mqtts on the embedded broker', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  // Made in beforeAll, not while collecting: a skipped suite leaves no directory behind.
  let tmp: { dir: string; remove(): void } | undefined;
  let ca: Buffer;
  let env: Record<string, string>;

  beforeAll(() => {
    tmp = tempDir('hazwatch-tls-');
    const d = tmp.dir;
    // A private CA and a server certificate for 127.0.0.1 (EC keys: made in milliseconds).
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=hazwatch test CA');
    ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(d, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
    ca = readFileSync(join(d, 'ca.pem'));
    env = {
      HAZWATCH_HTTP_TLS_CERT: join(d, 'server.pem'),
      HAZWATCH_HTTP_TLS_KEY: join(d, 'server.key'),
      HAZWATCH_MQTT_TLS_CERT: join(d, 'server.pem'),
      HAZWATCH_MQTT_TLS_KEY: join(d, 'server.key'),
    };
  });
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });
  afterAll(() => tmp?.remove());

  async function serve(): Promise<TestServer> {
    const server = await startTestServer(join(tmp!.dir, `data-${cleanups.length}-${Date.now()}`), { env });
    cleanups.push(() => server.close());
    return server;
  }

  it('serves the API over HTTPS only, to clients that trust the CA', async () => {
    const server = await serve();
    expect(server.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const ok = await httpsSend(`${server.httpUrl}/api/v1/health`, ca);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ status: 'ok' });
    expect(ok.headers['strict-transport-security']).toMatch(/max-age=\d+/);

    // Without the CA the certificate is not trusted and no request is made.
    await expect(httpsSend(`${server.httpUrl}/api/v1/health`)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });

    // Plain HTTP to the same port gets no API answer: the TLS server drops what is not a handshake.
    const plain = await httpSend(`http://127.0.0.1:${server.httpPort}/api/v1/health`).then(
      (a) => a,
      (err: NodeJS.ErrnoException) => err,
    );
    if (plain instanceof Error) expect(plain.code ?? plain.message).toMatch(/ECONNRESET|EPIPE|socket hang up/);
    else expect(plain.status).not.toBe(200);

    // A login over HTTPS gets a session cookie that browsers send back over HTTPS only.
    await server.loginAs('op-tls');
    const login = await httpsSend(`${server.httpUrl}/api/v1/auth/login`, ca, { method: 'POST', json: { username: 'op-tls', password: 'password-op-tls' } });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('mqtts: a gateway that trusts the CA and logs in gets its batch stored; others are refused', { timeout: 15_000 }, async () => {
    const server = await serve();
    expect(server.mqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);

    const gw = await connectGateway(server.mqttUrl, 'gw-1', { ca: [ca], connectTimeout: 5000 });
    cleanups.push(() => gw.endAsync());
    await gw.publishAsync(telemetryTopic('gw-1'), JSON.stringify(readingsBatch(1, 3)), { qos: 1 });
    // The PUBACK comes after the durable write (embedded broker), so it is stored by now.
    expect(await stats(server)).toMatchObject({ batchesAccepted: 1, readingsAccepted: 3, rejectedTotal: 0 });
    const stored = await getJson<{ readings: unknown[] }>(server, `/api/v1/telemetry/workshops/ws-a?from=${Date.now() - 60_000}&to=${Date.now()}`);
    expect(stored.readings).toHaveLength(3);

    // Not trusting the CA: the handshake fails before any MQTT is spoken.
    await expect(connectGateway(server.mqttUrl, 'gw-2', { connectTimeout: 5000 })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    // Trusting it but with the wrong secret: TLS does not replace authentication.
    await expect(connectGateway(server.mqttUrl, 'gw-2', { ca: [ca], password: 'wrong', connectTimeout: 5000 })).rejects.toThrow(/Not authorized|Bad username or password/i);
    // Plain MQTT to the TLS port, with good credentials: the connection closes without a CONNACK.
    const plain = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { clientId: 'gw-2', reconnectPeriod: 0, connectTimeout: 5000, ...gatewayLogin('gw-2') });
    cleanups.push(() => plain.endAsync(true));
    const outcome = await new Promise<string>((resolve) => {
      plain.once('connect', () => resolve('connected'));
      plain.once('close', () => resolve('closed'));
    });
    expect(outcome).toBe('closed');

    expect((await stats(server)).batchesAccepted).toBe(1);
    // The platform's own client reached the broker over mqtts too.
    expect((await server.app.inject({ url: '/api/v1/ready' })).json()).toMatchObject({ checks: { broker: { ok: true, embedded: true } } });
  });
});

describe('size limits: MQTT packets on the embedded broker, HTTP bodies', () => {
  const MAX_PACKET = 64 * 1024;
  const BODY_LIMIT = 8 * 1024;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function serve(): Promise<{ server: TestServer; logs: Record<string, unknown>[] }> {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const { logger, logs } = capturedLogger('warn');
    const server = await startTestServer(join(tmp.dir, 'data'), {
      env: { HAZWATCH_MQTT_MAX_PACKET_BYTES: String(MAX_PACKET), HAZWATCH_HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT) },
      start: { logger },
    });
    cleanups.push(() => server.close());
    return { server, logs };
  }

  it('drops a connection announcing a packet over the limit; other gateways and later connections go on', { timeout: 15_000 }, async () => {
    const { server, logs } = await serve();
    const big = JSON.stringify(readingsBatch(1, 1000));
    const justUnder = JSON.stringify(readingsBatch(2, 600));
    // Honest sizes: the big one is a valid batch the ingest would take (under its own 256 KiB cap), so
    // only the packet guard stops it; the other fits the guard with its MQTT header.
    expect(TelemetryBatch.safeParse(JSON.parse(big)).success).toBe(true);
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_PACKET);
    expect(Buffer.byteLength(big)).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(Buffer.byteLength(justUnder) + 100).toBeLessThan(MAX_PACKET);
    expect(Buffer.byteLength(justUnder)).toBeGreaterThan(MAX_PACKET / 2);

    const other = await connectGateway(server.mqttUrl, 'gw-2');
    cleanups.push(() => other.endAsync());
    let otherClosed = false;
    other.on('close', () => (otherClosed = true));
    await other.publishAsync(telemetryTopic('gw-2'), JSON.stringify(readingsBatch(1, 2, 'gw-2', 'ws-b')), { qos: 1 });

    const gw = await connectGateway(server.mqttUrl, 'gw-1');
    cleanups.push(() => gw.endAsync(true));
    // Whichever comes first: the connection dropped (right), or a PUBACK (the guard let it through).
    const outcome = await new Promise<string>((resolve) => {
      gw.once('close', () => resolve('dropped'));
      gw.publish(telemetryTopic('gw-1'), big, { qos: 1 }, (err) => resolve(err ? `publish failed: ${err.message}` : 'acknowledged'));
    });
    expect(outcome).toBe('dropped');
    const warning = await waitFor(() => logs.find((l) => l.msg === 'MQTT connection dropped'), 'the warning about the dropped connection');
    expect(warning).toMatchObject({ component: 'broker', err: `MQTT packet of ${Buffer.byteLength(big) + 2 + telemetryTopic('gw-1').length + 2} bytes is over the limit of ${MAX_PACKET}` });
    gw.end(true);

    // Nothing of it was stored or even reached the ingest; the other gateway kept its connection.
    expect(await stats(server)).toMatchObject({ batchesAccepted: 1, rejectedTotal: 0 });
    await other.publishAsync(telemetryTopic('gw-2'), JSON.stringify(readingsBatch(2, 2, 'gw-2', 'ws-b')), { qos: 1 });
    expect(otherClosed).toBe(false);

    // The same gateway, connecting again, sends batches up to the limit as before.
    const again = await connectGateway(server.mqttUrl, 'gw-1');
    cleanups.push(() => again.endAsync());
    await again.publishAsync(telemetryTopic('gw-1'), justUnder, { qos: 1 });
    await again.publishAsync(telemetryTopic('gw-1'), JSON.stringify(readingsBatch(3, 1)), { qos: 1 });
    expect(await stats(server)).toMatchObject({ batchesAccepted: 4, readingsAccepted: 2 + 2 + 600 + 1, rejectedTotal: 0 });
    expect(logs.filter((l) => l.msg === 'MQTT connection dropped')).toHaveLength(1);
  });

  it('answers an HTTP body over the limit with 413, with or without a content-length', async () => {
    const { server, logs } = await serve();
    const url = `${server.httpUrl}/api/v1/alarms/no-such-alarm/acknowledge`;
    const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', 'x-hazwatch-actor': 'tester' };

    // Under the limit the request reaches the route (an unknown alarm: 404), so the 413s below are the limit's.
    const small = await httpSend(url, { method: 'POST', headers, body: JSON.stringify({ comment: 'ok' }) });
    expect(small.status).toBe(404);

    const huge = JSON.stringify({ comment: 'x'.repeat(BODY_LIMIT * 4) });
    for (const chunked of [false, true]) {
      const res = await httpSend(url, { method: 'POST', headers, body: huge, chunked });
      expect(res.status, `chunked: ${chunked}`).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: 413 });
    }
    // The server is fine afterwards and logged no error for it.
    expect((await httpSend(`${server.httpUrl}/api/v1/health`)).status).toBe(200);
    expect(logs.filter((l) => typeof l.level === 'number' && l.level >= 50)).toEqual([]);
  });
});
