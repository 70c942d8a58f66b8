// Real infrastructure for the ingestion tests: a private InfluxDB 1.6 and a private Mosquitto on free
// loopback ports with their own temp dirs, a v2-write front for InfluxDB 1.6, and `hazwatch serve` as
// a child process that can be killed with SIGKILL. Every start returns a stop; tests register them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type IncomingMessage, type Server } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { waitFor } from './wait-for.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const INFLUXD = '/usr/bin/influxd';
export const HAVE_MOSQUITTO = existsSync(MOSQUITTO);
export const HAVE_INFLUXD = existsSync(INFLUXD);

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function exited(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
  });
}

async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const done = exited(proc);
  proc.kill(signal);
  await done;
}

export type Mosquitto = { url: string; stop(): Promise<void> };

export async function startMosquitto(dir: string): Promise<Mosquitto> {
  const port = await freePort();
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n`);
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${port}`;
  await waitFor(async () => {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 });
    await c.endAsync();
    return true;
  }, 'mosquitto to accept connections');
  return { url, stop: () => stopProcess(proc) };
}

export type Influxd = {
  url: string;
  /** Stops the server (its data stays in its directory). */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data. */
  start(): Promise<void>;
  /** The running influxd's process id (benchmarks read its CPU time). */
  pid(): number | undefined;
  /** Runs InfluxQL directly against the server (the test's own view, independent of the store). */
  query(db: string, q: string): Promise<{ columns: string[]; values: unknown[][] }[]>;
};

/** A private InfluxDB 1.6: free loopback ports, its own meta/data/wal dirs, reporting disabled. */
export async function startInfluxd(dir: string): Promise<Influxd> {
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const root = join(dir, `influxd-${httpPort}`);
  mkdirSync(root, { recursive: true });
  const conf = join(root, 'influxdb.conf');
  writeFileSync(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(root, 'meta')}"`,
      '[data]',
      `  dir = "${join(root, 'data')}"`,
      `  wal-dir = "${join(root, 'wal')}"`,
      '  query-log-enabled = false',
      '[http]',
      '  enabled = true',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      '  log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(INFLUXD, ['-config', conf], { stdio: 'ignore' });
    await waitFor(async () => (await fetch(`${url}/ping`)).status === 204, 'influxd to answer /ping', 20_000);
  };
  await start();
  return {
    url,
    start,
    pid: () => proc?.pid,
    stop: async () => {
      if (proc) await stopProcess(proc);
    },
    query: async (db, q) => {
      const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
      const body = (await res.json()) as { results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[] };
      if (body.results[0]?.error) throw new Error(body.results[0].error);
      return body.results[0]?.series ?? [];
    },
  };
}

/**
 * An InfluxDB 2.x-style write API in front of InfluxDB 1.6 (which has no /api/v2/write): checks what a
 * 2.x server checks of the request (token, org, bucket, precision) and stores the points through 1.6's
 * /write, so the store's v2 path is tested against real storage. It counts the v2 writes it served.
 */
export async function startV2Front(influxUrl: string, token: string, org: string): Promise<{ url: string; v2Writes: () => number; stop(): Promise<void> }> {
  let writes = 0;
  const created = new Set<string>();
  const forward = (path: string, method: string, body: Buffer): Promise<{ status: number; body: Buffer; type: string }> =>
    new Promise((resolve, reject) => {
      const req = request(`${influxUrl}${path}`, { method, headers: { 'content-type': 'text/plain' } }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks), type: String(res.headers['content-type'] ?? 'text/plain') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const u = new URL(req.url ?? '/', 'http://x');
        if (req.headers.authorization !== `Token ${token}`) return res.writeHead(401).end('{"code":"unauthorized","message":"unauthorized access"}');
        if (u.pathname === '/api/v2/write' && req.method === 'POST') {
          const bucket = u.searchParams.get('bucket');
          if (u.searchParams.get('org') !== org || !bucket || u.searchParams.get('precision') !== 'ns') {
            return res.writeHead(400).end('{"code":"invalid","message":"org, bucket and precision=ns expected"}');
          }
          if (!created.has(bucket)) {
            await forward(`/query?${new URLSearchParams({ q: `CREATE DATABASE "${bucket}"` })}`, 'POST', Buffer.alloc(0));
            created.add(bucket);
          }
          const r = await forward(`/write?${new URLSearchParams({ db: bucket, precision: 'ns' })}`, 'POST', Buffer.concat(chunks));
          if (r.status === 204) writes++;
          return res.writeHead(r.status, { 'content-type': r.type }).end(r.body);
        }
        if (u.pathname === '/query' && req.method === 'GET') {
          const r = await forward(`/query${u.search}`, 'GET', Buffer.alloc(0));
          return res.writeHead(r.status, { 'content-type': r.type }).end(r.body);
        }
        res.writeHead(404).end();
      })().catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    v2Writes: () => writes,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const BIN = fileURLToPath(new URL('../bin/hazwatch.mjs', import.meta.url));

export type ServeProcess = {
  /** http://127.0.0.1:PORT of the running instance (after `started`). */
  httpUrl: () => string;
  started: Promise<string>;
  output: { stdout: string; stderr: string };
  kill(signal: NodeJS.Signals): Promise<void>;
};

/** `hazwatch serve` as a child process with the given environment; `started` resolves with its HTTP URL. */
export function serveProcess(env: Record<string, string>): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (output.stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (output.stderr += d.toString('utf8')));
  let url = '';
  const started = waitFor(() => /API\s+(http:\/\/\S+)\/api\/v1\/health/.exec(output.stdout)?.[1], `hazwatch serve to start (stderr: ${output.stderr.slice(-2000)})`, 30_000).then((u) => {
    url = u;
    return u;
  });
  return { httpUrl: () => url, started, output, kill: (signal) => stopProcess(child, signal) };
}
