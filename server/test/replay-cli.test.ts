// `hazwatch replay` and `hazwatch scenarios` as a user runs them: the real bin, a child process.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/hazwatch.mjs', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

async function hazwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: repo });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const site = {
  defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 86400 },
  enterprises: [
    {
      id: 'ent-1', name: '示例', region: '370306',
      lines: [{ id: 'line-1', name: '线', kind: 'explosive' }],
      workshops: [{ id: 'ws-1', name: '工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2 }],
      gateways: [{ id: 'gw-1', workshops: ['ws-1'], lines: ['line-1'] }],
    },
  ],
};
const reading = (seq: number, at: string, total: number) => ({
  at, enterpriseId: 'ent-1', gatewayId: 'gw-1',
  telemetry: { v: 1, gatewayId: 'gw-1', seq, sentAt: at, readings: [{ workshopId: 'ws-1', ts: at, headcount: { total } }] },
});
const inputs = [reading(1, '2026-03-02T09:00:00+08:00', 3), reading(2, '2026-03-02T09:01:00+08:00', 2)];
const expected = {
  enterpriseId: 'ent-1', type: 'over-staffing', reason: null, level: 'alarm', subject: { workshopId: 'ws-1' },
  raisedAt: '2026-03-02T09:00:05+08:00', clearedAt: '2026-03-02T09:01:05+08:00',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hazwatch-replay-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hazwatch scenarios', () => {
  it('passes a scenario whose expectations hold and closes with the counts', async () => {
    await writeFile(join(dir, 'ok.json'), JSON.stringify({ name: 'ok', site, inputs, until: '2026-03-02T09:10:00+08:00', expect: { alarms: [expected] } }));
    const r = await hazwatch('scenarios', join(dir, 'ok.json'));
    expect(r.stdout.trim().split('\n')).toEqual(['PASS ok', '1 passed, 0 failed']);
    expect(r.code).toBe(0);
  });

  it('fails with what was missing and what was unexpected, and exits non-zero', async () => {
    const wrong = { ...expected, raisedAt: '2026-03-02T09:00:06+08:00' };
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ name: 'bad', site, inputs, until: '2026-03-02T09:10:00+08:00', expect: { alarms: [wrong] } }));
    const r = await hazwatch('scenarios', join(dir, 'bad.json'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL bad/m);
    expect(r.stdout).toMatch(/missing: .*"raisedAt":"2026-03-02T01:00:06.000Z"/);
    expect(r.stdout).toMatch(/unexpected: .*"raisedAt":"2026-03-02T01:00:05.000Z"/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
  });

  it('reports an unreadable scenario as a failure, not a crash', async () => {
    await writeFile(join(dir, 'broken.json'), '{ "name": "broken", "site": {} ');
    const r = await hazwatch('scenarios', join(dir, 'broken.json'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*broken/);
  });
});

describe('hazwatch replay', () => {
  it('writes alarm events as JSON lines, stopping the clock at --until', async () => {
    await writeFile(join(dir, 'site.json'), JSON.stringify(site));
    await writeFile(join(dir, 'in.jsonl'), inputs.map((i) => JSON.stringify(i)).join('\n') + '\n');
    const r = await hazwatch('replay', '--site', join(dir, 'site.json'), '--input', join(dir, 'in.jsonl'), '--until', '2026-03-02T09:01:03+08:00');
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    // Cleared is due at 09:01:05, after --until: only the raise is written.
    expect(events.map((e) => [e.kind, e.at])).toEqual([['raised', '2026-03-02T01:00:05.000Z']]);
    expect(events[0].alarm).toMatchObject({ type: 'over-staffing', value: 3, limit: 2, clearedAt: null });
  });

  it('refuses a site with problems, listing them', async () => {
    await writeFile(join(dir, 'bad-site.json'), JSON.stringify({ enterprises: [{ id: 'e', name: 'x', region: '37', workshops: [{ id: 'w', name: 'w', hazardClass: '1.5' }] }] }));
    const r = await hazwatch('replay', '--site', join(dir, 'bad-site.json'), '--input', join(dir, 'in.jsonl'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hazardClass/);
  });

  it('rejects inputs as live ingest would, saying which and why', async () => {
    const foreign = { ...reading(3, '2026-03-02T09:02:00+08:00', 9), telemetry: { ...reading(3, '2026-03-02T09:02:00+08:00', 9).telemetry, readings: [{ workshopId: 'ws-9', ts: '2026-03-02T09:02:00+08:00', headcount: { total: 9 } }] } };
    await writeFile(join(dir, 'in2.jsonl'), [...inputs, foreign].map((i) => JSON.stringify(i)).join('\n'));
    const out = join(dir, 'out.jsonl');
    const r = await hazwatch('replay', '--site', join(dir, 'site.json'), '--input', join(dir, 'in2.jsonl'), '--output', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/input 3 rejected \(unbound-workshop\)/);
    const kinds = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).kind);
    expect(kinds).toEqual(['raised', 'cleared']);
  });
});
