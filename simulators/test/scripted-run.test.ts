// The scripted run: deterministic, the alarms it expects are the ones the real scenario runner finds
// (through `hazwatch scenarios`), and a script the run cannot honour is refused.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SCRIPTED_SHIFT_EVENTS, scriptedRun, scriptedShift, scriptedShiftSite } from '../src/index.ts';

const BIN = fileURLToPath(new URL('../../server/bin/hazwatch.mjs', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function runScenarios(docs: unknown[]): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hazwatch-scripted-'));
  dirs.push(dir);
  docs.forEach((d, i) => writeFileSync(join(dir, `s${i}.json`), JSON.stringify(d)));
  const r = spawnSync(process.execPath, [BIN, 'scenarios', dir], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('scripted run in the scenario format', () => {
  it('is the same for the same script and seed', () => {
    expect(JSON.stringify(scriptedShift())).toBe(JSON.stringify(scriptedShift()));
  });

  it('expects one alarm per violation and fault, and the scenario runner agrees', { timeout: 60_000 }, () => {
    const doc = scriptedShift();
    const kinds = doc.expect.alarms.map((a) => `${a.type}/${a.reason ?? ''}`).sort();
    expect(kinds).toEqual([
      'gateway-offline/', 'gateway-offline/', 'over-production/day', 'over-quantity/', 'over-quantity/',
      'over-staffing/', 'over-staffing/', 'over-staffing/', 'over-time/outside-hours', 'sensor-fault/quantity-unknown',
    ]);
    // A second run of the same shift with one violation left out of its expectations must fail.
    const broken = { ...doc, name: 'broken', expect: { alarms: doc.expect.alarms.slice(1) } };
    const r = runScenarios([doc, broken]);
    expect(r.out).toContain('PASS simulated-shift-with-faults');
    expect(r.out).toContain('FAIL broken');
    expect(r.out).toContain('1 passed, 1 failed');
  });

  it('shifts the alarms of a gateway whose clock runs ahead, and delivers a cut gateway\'s backlog in seq order', () => {
    const doc = scriptedShift();
    const skewed = doc.expect.alarms.find((a) => a.type === 'over-staffing' && a.raisedAt === '2026-03-02T09:13:35.000Z');
    expect(skewed, 'the extra person at 17:12 on a clock 90 s ahead is raised at 17:13:35').toBeDefined();
    const gw1 = doc.inputs.filter((i) => i.gatewayId === 'gw-1' && 'telemetry' in i).map((i) => (i.telemetry as { seq: number }).seq);
    expect(gw1).toEqual(gw1.map((_, i) => i + 1));
    const backlog = doc.inputs.filter((i) => i.gatewayId === 'gw-1' && i.at === '2026-03-02T09:03:00.000Z');
    expect(backlog.length).toBeGreaterThan(5);
  });

  it('refuses an event between two steps of the run', () => {
    expect(() =>
      scriptedRun({ name: 'x', description: 'x', site: scriptedShiftSite(), seed: 1, start: SCRIPTED_SHIFT_EVENTS[0]!.at - 60_000, end: SCRIPTED_SHIFT_EVENTS[0]!.at + 600_000, tickMs: 10_000, events: [{ kind: 'overload', workshopId: 'ws-b', at: SCRIPTED_SHIFT_EVENTS[0]!.at + 5000, seconds: 30 }] }),
    ).toThrow(/not a step of the run/);
  });
});
