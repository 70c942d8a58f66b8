// The longest event-loop block of the rule engine's periodic save, and how much heap it holds at once,
// at 10,000 workshops after 30 s of 1 Hz telemetry (10 % of readings changing): the save as the live
// service makes it (a capture of what changed, each slice copied, serialized and written ahead, then
// saved in one transaction) beside a whole snapshot taken and written in one go (as at stop or at a
// new revision).
// Run: npx tsx bench/engine-save.ts [--quick]   (--quick: 1,000 workshops). Not a test: prints figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import { TelemetryBatch } from '@hazwatch/protocols';
import { RuleEngine } from '../server/src/engine/index.ts';
import { SqliteAlarmStore } from '../server/src/storage/sqlite-alarms.ts';
import { writeInSlices } from '../server/src/rules/rules.ts';
import { syntheticSite } from './engine.ts';

/**
 * Longest time between two event-loop turns (ms) while `work` runs, its whole duration, and how far
 * the heap in use rose above where it started (MB, sampled every turn: what the save holds at once).
 */
async function blocking(work: () => Promise<unknown>): Promise<{ longestBlockMs: number; totalMs: number; heapRiseMB: number }> {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const heap0 = getHeapStatistics().used_heap_size;
  let heapPeak = heap0;
  const tick = () => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
    heapPeak = Math.max(heapPeak, getHeapStatistics().used_heap_size);
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const t0 = performance.now();
  await work();
  const totalMs = performance.now() - t0;
  heapPeak = Math.max(heapPeak, getHeapStatistics().used_heap_size);
  running = false;
  await nextTurn();
  return { longestBlockMs: Math.round(longest * 10) / 10, totalMs: Math.round(totalMs), heapRiseMB: Math.round((heapPeak - heap0) / 2 ** 20) };
}

export async function benchEngineSave(workshops: number, seconds = 30, rounds = 3) {
  const site = syntheticSite(workshops);
  const start = Date.parse('2026-03-02T09:00:00+08:00');
  const engine = new RuleEngine({ site, revision: 1, startedAt: start });
  const dir = mkdtempSync(join(tmpdir(), 'hazwatch-bench-save-'));
  const store = new SqliteAlarmStore({ dataDir: dir });
  let rnd = 12345;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const held = new Map<string, { total: number; kg: number; since: number }>();
  let sec = 0;
  const feed = (n: number) => {
    for (const end = sec + n; sec < end; sec++) {
      const at = start + sec * 1000;
      for (const e of site.enterprises) {
        for (const g of e.gateways) {
          const readings = g.workshops.map((w) => {
            let st = held.get(`${e.id}/${w}`);
            if (!st || rand() < 0.1) held.set(`${e.id}/${w}`, (st = { total: Math.floor(rand() * 3), kg: Math.round(rand() * 480), since: at }));
            const { total, kg, since } = st;
            return { workshopId: w, ts: at, headcount: { total, persons: Array.from({ length: total }, (_, i) => ({ id: `P-${w}-${i}`, since })) }, materialKg: kg };
          });
          engine.apply({ kind: 'telemetry', at, enterpriseId: e.id, gatewayId: g.id, batch: TelemetryBatch.parse({ v: 1, gatewayId: g.id, seq: sec + 1, sentAt: at, readings }) });
        }
      }
    }
  };
  /** As RulesService's periodic save: copied, serialized and written ahead a slice at a time, then saved. */
  const periodic = async (full: boolean) => {
    const cap = engine.beginCapture(full);
    const slices = store.stageEngineState();
    const chars = await writeInSlices(cap, slices);
    const c = cap.result();
    await store.saveEngineState({ revision: 1, savedAt: new Date(engine.clock()).toISOString(), ...('snapshot' in c ? { snapshot: c.snapshot } : c.delta), slices });
    return chars;
  };
  const results = [];
  try {
    feed(1);
    await periodic(true);
    for (let r = 0; r < rounds; r++) {
      feed(seconds);
      let bytes = 0;
      const delta = await blocking(async () => (bytes = await periodic(false)));
      feed(1);
      const wholeAtOnce = await blocking(() => store.saveEngineState({ revision: 1, savedAt: new Date(engine.clock()).toISOString(), snapshot: engine.snapshot() }));
      engine.capture(true);
      results.push({ periodicDelta: { ...delta, bytes }, wholeAtOnce });
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { workshops, seconds, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const out = await benchEngineSave(quick ? 1000 : 10_000, quick ? 10 : 30, quick ? 2 : 3);
  console.log(JSON.stringify({ bench: 'engine-save', node: process.version, ...out }, null, 2));
}
