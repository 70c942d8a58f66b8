import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { parseSiteText } from '../src/site/load.ts';
import { SqliteConfigStore } from '../src/storage/sqlite-config.ts';
import { FIXTURE_SITE, loopbackEnv, tempDir, waitFor } from './helpers.ts';

const BIN = fileURLToPath(new URL('../bin/hazwatch.mjs', import.meta.url));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

/** Runs the real `hazwatch` bin; resolves the child and a live view of its output. */
function hazwatch(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

describe('hazwatch command line', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  it('prints usage for --help (exit 0), and for no or an unknown command (exit 2)', async () => {
    const a = capture();
    expect(await main(['--help'], a.io)).toBe(0);
    expect(a.out.join('')).toMatch(/Commands:\n {2}serve/);
    const b = capture();
    expect(await main(['frobnicate'], b.io)).toBe(2);
    expect(b.err.join('')).toContain('unknown command "frobnicate"');
    expect(await main([], capture().io)).toBe(2);
  });

  it('ledger: an unknown subcommand prints its usage (exit 2)', async () => {
    const c = capture();
    expect(await main(['ledger', '--site', 'x.yaml'], c.io)).toBe(2);
    expect(c.err.join('')).toContain('usage: hazwatch ledger export');
  });

  it('serve: starts on free ports, answers, and stops cleanly on SIGTERM', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const run = hazwatch(['serve'], loopbackEnv(FIXTURE_SITE, join(tmp.dir, 'data'), 'warn'));
    cleanups.push(() => run.child.kill('SIGKILL'));
    const url = await waitFor(() => /API\s+(http:\/\/\S+)\/api\/v1\/health/.exec(run.output.stdout)?.[1], `the banner (stderr: ${run.output.stderr})`, 20_000);
    expect(run.output.stdout).toMatch(/MQTT\s+mqtt:\/\/127\.0\.0\.1:\d+ \(embedded broker\)/);
    const health = await fetch(`${url}/api/v1/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('serve: SIGHUP applies the site file when it was edited, and leaves a later API revision alone when it was not', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const site = join(tmp.dir, 'site.yaml');
    const text = readFileSync(FIXTURE_SITE, 'utf8');
    writeFileSync(site, text);
    const dataDir = join(tmp.dir, 'data');
    const run = hazwatch(['serve'], loopbackEnv(site, dataDir, 'info'));
    cleanups.push(() => run.child.kill('SIGKILL'));
    await waitFor(() => /API\s+(http:\/\/\S+)\/api\/v1\/health/.exec(run.output.stdout)?.[1], `the banner (stderr: ${run.output.stderr})`, 20_000);
    const configs = new SqliteConfigStore({ dataDir });
    cleanups.push(() => configs.close());
    // A revision made since through the API (written to the same store as the API would).
    const api = parseSiteText(text.replace('staffingLimit: 2', 'staffingLimit: 1'));
    if (!api.ok) throw new Error('fixture');
    configs.add({ site: api.site, text: api.text, source: 'api', changedBy: 'someone', changedAt: new Date().toISOString() });

    // A stray SIGHUP (log rotation sends one): the file is as it was loaded, the API revision stays.
    run.child.kill('SIGHUP');
    await waitFor(() => run.output.stdout.includes('site file unchanged since it was last loaded'), 'the reload to be refused as unchanged');
    expect(configs.list().map((r) => r.source)).toEqual(['api', `file:${site}`]);
    // Edited, then SIGHUP: the file is applied as a new revision.
    writeFileSync(site, text.replace('staffingLimit: 2', 'staffingLimit: 4'));
    run.child.kill('SIGHUP');
    await waitFor(() => (configs.list().length === 3 ? true : undefined), 'the edited file applied as revision 3');
    expect(configs.list()[0]).toMatchObject({ revision: 3, source: `file:${site}`, changedBy: 'SIGHUP' });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('serve: lists every configuration problem and exits 1', async () => {
    const run = hazwatch(['serve'], { HAZWATCH_HTTP_PORT: 'eighty', HAZWATCH_STORE: 'mongo' });
    expect(await run.exited).toBe(1);
    expect(run.output.stderr).toContain('HAZWATCH_HTTP_PORT="eighty"');
    expect(run.output.stderr).toContain('HAZWATCH_STORE="mongo"');
  });

  it('serve: prints each site problem and exits 1', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const site = join(tmp.dir, 'site.yaml');
    writeFileSync(site, 'enterprises:\n  - id: e1\n    name: x\n    region: "37"\n    workshops:\n      - { id: w1, name: w, hazardClass: "1.1", staffingLimt: 2 }\n    gateways:\n      - { id: g1, workshops: [w9] }\n');
    const run = hazwatch(['serve'], { HAZWATCH_SITE: site, HAZWATCH_DATA_DIR: join(tmp.dir, 'data') });
    expect(await run.exited).toBe(1);
    expect(run.output.stderr).toContain('staffingLimt');
    expect(run.output.stderr).toContain('w9');
  });
});
