// Smoke runs of `npm run bench` and `npm run faults`: benchmarks and the fault suite are not tests,
// but CI runs a few seconds of each so that they keep working against the current tree. The figures
// are not judged here; the fault suite's zero-loss claims are (they hold at any speed).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hazwatch-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(script: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('npm run bench -- --smoke', () => {
  it('measures every figure beside its anchor and writes the results and their summary', { timeout: 120_000 }, async () => {
    const out = join(dir, 'bench.json');
    const r = await run('bench.mjs', ['--smoke', `--out=${out}`]);
    expect(r.code, r.out.slice(-3000)).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.ingest.sqlite.acked).toBeGreaterThan(0);
    expect(results.ingest.rawAedes.acked).toBeGreaterThan(0);
    expect(results.ingest.rawAedesRoomy.acked).toBeGreaterThan(0);
    expect(results.ingest.rawAedesRoomyRuns).toHaveLength(3);
    expect(results.latency.hazwatch.map((h: { level: number }) => h.level)).toEqual([0, 0.5, 0.9]);
    expect(results.latency.rawAedes).toHaveLength(3);
    expect(results.engine[0].readingsPerSecond).toBeGreaterThan(0);
    expect(results.memory[0].rssMB).toBeGreaterThan(0);
    expect(results.startup.readyMs).toBeGreaterThan(0);
    expect(results.revision.oneEnterprise.medianResponseMs).toBeGreaterThan(0);
    expect(results.revision.defaults.longestBlockMs).toBeGreaterThanOrEqual(0);
    expect(readFileSync(out.replace(/\.json$/, '.md'), 'utf8')).toContain('| alarm latency at 50 % load');
  });
});

const HAVE_INFRA = existsSync('/usr/sbin/mosquitto') && existsSync('/usr/bin/influxd');

describe('npm run faults -- --smoke', () => {
  it.skipIf(!HAVE_INFRA)('kills, stops, restarts and cuts while the site runs, and loses and duplicates nothing', { timeout: 180_000 }, async () => {
    const out = join(dir, 'faults.json');
    const r = await run('faults.mjs', ['--smoke', `--out=${out}`]);
    // The report is what is judged here; its verdict (exit 0) must agree with it.
    expect(r.code, r.out.slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.timeline.map((e: { event: string }) => e.event).join('\n')).toMatch(/SIGKILL[\s\S]*InfluxDB stopped[\s\S]*broker[\s\S]*cut/);
    expect(report.readings.sent).toBeGreaterThan(100);
    expect(report.readings, r.out.slice(-2000)).toMatchObject({ lost: 0, duplicated: 0 });
    expect(report.readings.stored).toBe(report.readings.sent);
    expect(report.batches.lostBeforeBroker).toBe(0);
    expect(report.alarms.expected).toBeGreaterThan(1);
    expect(report.alarms.missed, r.out.slice(-2000)).toEqual([]);
    // An extra alarm is a fault too: a crash right after the first start once re-raised an alarm it
    // had forgotten, and left the first one active for ever.
    expect(report.alarms.extra, r.out.slice(-2000)).toEqual([]);
  });
});
