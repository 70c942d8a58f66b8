// `npm start` as a user runs it: the launcher builds the dashboard if needed, starts the server and the
// simulated gateways, and a SIGTERM stops all of it with exit 0.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('npm start', () => {
  it('serves the dashboard and live simulated workshops, and stops cleanly on SIGTERM', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hazwatch-start-'));
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    Object.assign(env, {
      HAZWATCH_DATA_DIR: tmp,
      HAZWATCH_HTTP_PORT: String(httpPort),
      HAZWATCH_HTTP_HOST: '127.0.0.1',
      HAZWATCH_MQTT_PORT: String(mqttPort),
      HAZWATCH_MQTT_HOST: '127.0.0.1',
    });
    const started = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });

    await poll('the launcher banner', async () => (output.includes('hazwatch demo is running') ? true : undefined), 60_000);
    const web = `http://127.0.0.1:${httpPort}`;
    const page = await fetch(`${web}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(output).toContain(`mqtt://localhost:${mqttPort}`);

    // The demo users are printed; the API wants a login (issue 6), and the operator's works.
    expect((await fetch(`${web}/api/v1/workshops`)).status).toBe(401);
    const password = /^\s+operator\s+(\S+)\s+operator of demo-ent/m.exec(output)?.[1];
    expect(password, output).toBeDefined();
    const login = await fetch(`${web}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

    // The simulated gateways (signed in with their issued credentials) reach the platform's live state.
    const live = await poll(
      'live headcounts from both gateways',
      async () => {
        const ws = (await (await fetch(`${web}/api/v1/workshops`, { headers: { cookie } })).json()) as { gatewayId: string; headcount: number | null }[];
        const reporting = new Set(ws.filter((w) => w.headcount !== null).map((w) => w.gatewayId));
        return reporting.has('gw-explosive') && reporting.has('gw-assembly') ? ws : undefined;
      },
      20_000,
    );
    expect(live.length).toBeGreaterThan(0);

    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    await expect(fetch(`${web}/api/v1/health`)).rejects.toThrow();
    expect(output).toContain('stopping');
  });
});
