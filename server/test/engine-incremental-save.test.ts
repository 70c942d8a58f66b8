// The periodic engine save writes only what changed since the last one, laid over the last full
// snapshot when loading: after any number of such saves (and alarm transitions' own tracker deltas),
// what loads is exactly the engine's full snapshot as of the last save, and an engine restored from
// it goes on exactly as the one that never stopped.
import { describe, expect, it } from 'vitest';
import { SiteConfig, TelemetryBatch, alarmKey, type ReadingInput } from '@hazwatch/protocols';
import { RuleEngine, type EngineInput, type EngineOutput, type EngineSnapshot } from '../src/engine/index.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { EventBus } from '../src/bus.ts';
import { RulesService } from '../src/rules/rules.ts';
import { engineEnterprise } from './fixtures/engine-enterprise.ts';
import { tempDir, waitFor } from './helpers.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const ENT = 'ent-i';

/** Two gateways, three workshops (one with dwell), a line with production, a licensed and an unlicensed product. */
const site = SiteConfig.parse({
  defaults: { raiseAfterSeconds: 3, clearAfterSeconds: 3, offlineAfterSeconds: 20 },
  enterprises: [engineEnterprise(ENT, '增量')],
});

/** A deterministic stream: second by second, readings that change now and then, a gateway that goes quiet. */
function inputs(seconds: number, seed: number): EngineInput[] {
  let rnd = seed;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const out: EngineInput[] = [];
  const seq = { 'gw-1': 0, 'gw-2': 0 };
  let counter = 0;
  const held = new Map<string, { total: number; kg: number; since: number }>();
  for (let s = 0; s < seconds; s++) {
    const at = T0 + s * 1000;
    for (const gw of ['gw-1', 'gw-2'] as const) {
      // gw-2 falls silent for a while (offline by silence, then back).
      if (gw === 'gw-2' && s > 20 && s < 50) continue;
      if (gw === 'gw-1' && rand() < 0.05) {
        out.push({ kind: 'status', at, enterpriseId: ENT, gatewayId: gw, status: { v: 1, state: 'offline', ts: at } });
        continue;
      }
      const readings: ReadingInput[] = [];
      for (const ws of gw === 'gw-1' ? ['ws-1', 'ws-2'] : ['ws-3']) {
        let h = held.get(ws);
        if (!h || rand() < 0.2) held.set(ws, (h = { total: Math.floor(rand() * 4), kg: Math.round(rand() * 120), since: at }));
        readings.push({
          workshopId: ws, ts: at,
          headcount: rand() < 0.03 ? null : { total: h.total, persons: Array.from({ length: h.total }, (_, i) => ({ id: `P-${ws}-${i}`, since: h!.since })) },
          materialKg: h.kg,
        });
      }
      if (gw === 'gw-1') {
        counter += rand() < 0.5 ? Math.round(rand() * 40) : 0;
        readings.push({ lineId: 'line-1', ts: at, production: { counter } });
        if (rand() < 0.1) readings.push({ lineId: 'line-1', ts: at, production: { product: 'qx', counter: Math.round(rand() * 10) } });
      }
      out.push({ kind: 'telemetry', at, enterpriseId: ENT, gatewayId: gw, batch: TelemetryBatch.parse({ v: 1, gatewayId: gw, seq: ++seq[gw], sentAt: at, readings }) });
    }
  }
  return out;
}

const plain = (s: EngineSnapshot): EngineSnapshot => JSON.parse(JSON.stringify(s)) as EngineSnapshot;
const savedAt = (t: number) => new Date(t).toISOString();

describe('incremental engine saves', () => {
  it('load exactly the full snapshot of the last save, after many partial saves and transition deltas', async () => {
    const tmp = tempDir();
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    try {
      const e = new RuleEngine({ site, revision: 1, startedAt: T0 });
      const first = e.capture(false);
      // A new engine has nothing saved to lay changes over: its first save is whole.
      expect('snapshot' in first).toBe(true);
      await store.saveEngineState({ revision: 1, savedAt: savedAt(T0), ...(first as { snapshot: EngineSnapshot }) });
      let expected = plain(e.snapshot());
      let deltas = 0;
      let transitions = 0;
      let copiedOnWrite = 0;
      const stream = inputs(120, 7);
      // As the live service does: the trackers a transition changed, in the transition's transaction.
      const transitionDelta = (out: EngineOutput, at: number) => {
        transitions += out.transitions.length;
        const trackers = e.trackerStates(new Set(out.transitions.map((t) => alarmKey(t.alarm))));
        return { events: out.transitions.map((t) => ({ kind: t.kind, at: savedAt(t.at), alarm: t.alarm })), state: { revision: 1, savedAt: savedAt(at), trackers } };
      };
      const layTrackers = (trackers: Record<string, unknown>) => {
        for (const [k, t] of Object.entries(trackers)) {
          if (t === null) delete expected.trackers[k];
          else expected.trackers[k] = JSON.parse(JSON.stringify(t)) as EngineSnapshot['trackers'][string];
        }
      };
      for (let i = 0; i < stream.length; i++) {
        const out: EngineOutput = e.apply(stream[i]!);
        if (out.transitions.length > 0) {
          const d = transitionDelta(out, stream[i]!.at);
          await store.append(d.events, d.state);
          layTrackers(d.state.trackers);
        }
        if (i % 9 === 4) {
          // A periodic save: taken now, copied in slices while the next inputs are applied.
          const atCapture = plain(e.snapshot());
          const cap = e.beginCapture(false);
          // Half of them written ahead in slices as they are copied, as the periodic save does.
          const slices = i % 2 === 0 ? store.stageEngineState() : undefined;
          const later: ReturnType<typeof transitionDelta>[] = [];
          for (let j = 0; j < 3 && i + 1 < stream.length; j++) {
            cap.step(1);
            slices?.add(JSON.stringify(cap.drain()));
            const o = e.apply(stream[++i]!);
            if (o.transitions.length > 0) later.push(transitionDelta(o, stream[i]!.at));
          }
          cap.finish();
          slices?.add(JSON.stringify(cap.drain()));
          const c = cap.result();
          expect('delta' in c).toBe(true);
          if (!('delta' in c)) continue;
          deltas++;
          // Not saved until saved with its delta: a crash now loads the state before it.
          if (slices) expect((await store.loadEngineState())!.snapshot).toEqual(expected);
          await store.saveEngineState({ revision: 1, savedAt: savedAt(stream[i]!.at), ...c.delta, ...(slices ? { slices } : {}) });
          expected = atCapture;
          expect((await store.loadEngineState())!.snapshot).toEqual(expected);
          // The transitions that came while it was being copied are written after it, in order.
          for (const d of later) {
            await store.append(d.events, d.state);
            layTrackers(d.state.trackers);
          }
          if (JSON.stringify(plain(e.snapshot())) !== JSON.stringify(atCapture)) copiedOnWrite++;
        }
        // A crash can come at any moment: what loads is the last save with the transitions after it.
        if (i % 13 === 0) expect((await store.loadEngineState())!.snapshot).toEqual(expected);
      }
      expect(copiedOnWrite).toBeGreaterThan(10);
      expect(deltas).toBeGreaterThan(20);
      expect(transitions).toBeGreaterThan(5);

      // A delta is small: it leaves out what did not change (here the sensor-fault trackers of a quiet spell).
      e.apply(stream[stream.length - 1]!);
      const quiet = e.capture(false);
      expect('delta' in quiet && Object.keys(quiet.delta.trackers).length).toBeLessThan(Object.keys(e.snapshot().trackers).length);

      // A full save replaces all the deltas.
      const full = e.capture(true);
      expect('snapshot' in full).toBe(true);
      await store.saveEngineState({ revision: 1, savedAt: savedAt(e.clock()), ...(full as { snapshot: EngineSnapshot }) });
      expect((await store.loadEngineState())!.snapshot).toEqual(plain(e.snapshot()));
    } finally {
      await store.close();
      tmp.remove();
    }
  });

  it('restores from full + deltas into an engine that goes on exactly as the uninterrupted one', async () => {
    const tmp = tempDir();
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    try {
      const opts = { site, revision: 1, startedAt: T0, newId: counter() };
      const live = new RuleEngine(opts);
      const stream = inputs(150, 99);
      const cut = 97;
      for (let i = 0; i < cut; i++) {
        live.apply(stream[i]!);
        if (i % 10 === 3) {
          const c = live.capture(false);
          await store.saveEngineState({ revision: 1, savedAt: savedAt(stream[i]!.at), ...('snapshot' in c ? { snapshot: c.snapshot } : c.delta) });
        }
      }
      const last = live.capture(false);
      expect('delta' in last).toBe(true);
      await store.saveEngineState({ revision: 1, savedAt: savedAt(live.clock()), ...('delta' in last ? last.delta : { trackers: {} }) });
      const loaded = (await store.loadEngineState())!;
      const restored = RuleEngine.restore({ ...opts, newId: counter(1000) }, loaded.snapshot);
      expect(plain(restored.snapshot())).toEqual(plain(live.snapshot()));
      const strip = (o: EngineOutput) => o.transitions.map((t) => ({ ...t, alarm: { ...t.alarm, id: '' } }));
      for (let i = cut; i < stream.length; i++) expect(strip(restored.apply(stream[i]!))).toEqual(strip(live.apply(stream[i]!)));
      expect(strip(restored.advance(T0 + 400_000))).toEqual(strip(live.advance(T0 + 400_000)));
    } finally {
      await store.close();
      tmp.remove();
    }
  });

  it('the live service saves deltas every few ms while inputs flow, and they load as the engine stands', async () => {
    const tmp = tempDir();
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    const log = pino({ level: 'silent' });
    let clock = T0;
    const svc = new RulesService({ site, revision: 1, alarms: store, bus: new EventBus(log), log, newId: counter(), now: () => clock, saveEveryMs: 2 });
    const reference = new RuleEngine({ site, revision: 1, startedAt: T0, newId: counter() });
    // Which kinds of save the service made (the store itself is real).
    const saves = { full: 0, delta: 0 };
    const save = store.saveEngineState.bind(store);
    store.saveEngineState = (state) => {
      saves['snapshot' in state ? 'full' : 'delta']++;
      return save(state);
    };
    const deltaRows = () => rowsOf(tmp.dir, 'engine_deltas');
    try {
      svc.start();
      const stream = inputs(90, 3);
      for (let i = 0; i < stream.length; i++) {
        clock = stream[i]!.at;
        reference.apply(stream[i]!);
        await svc.apply(stream[i]!);
        // Now and then let the periodic save run while inputs keep coming.
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      const expected = plain(reference.snapshot());
      // Once the last inputs are saved, what loads is the engine as it stands.
      await waitFor(async () => JSON.stringify(sorted((await store.loadEngineState())?.snapshot)) === JSON.stringify(sorted(expected)), 'the periodic save to catch up');
      // Mostly deltas; a full snapshot first, and again whenever the deltas outweigh the last one.
      expect(saves.delta).toBeGreaterThan(5);
      expect(saves.full).toBeGreaterThan(0);
      expect(saves.delta).toBeGreaterThan(saves.full);
      await svc.stop();
      // Stopping saves the whole, which replaces the deltas.
      expect(deltaRows()).toBe(0);
      expect((await store.loadEngineState())!.snapshot).toEqual(expected);
    } finally {
      await svc.stop();
      await store.close();
      tmp.remove();
    }
  });

  it('slices are saved only with their state, are never lost to a save in between, and a failed save leaves nothing', async () => {
    const tmp = tempDir();
    const e = new RuleEngine({ site, revision: 1, startedAt: T0 });
    const stream = inputs(60, 11);
    let i = 0;
    const feed = (n: number) => {
      for (const end = i + n; i < end; i++) e.apply(stream[i]!);
    };
    /** A periodic save's capture, its slices written ahead; the state to save with them. */
    const stage = (store: SqliteAlarmStore, full: boolean) => {
      const cap = e.beginCapture(full);
      const slices = store.stageEngineState();
      while (!cap.step(2)) slices.add(JSON.stringify(cap.drain()));
      slices.add(JSON.stringify(cap.drain()));
      const c = cap.result();
      const at = { revision: 1, savedAt: savedAt(e.clock()) };
      return { slices, state: 'snapshot' in c ? { ...at, snapshot: c.snapshot, slices } : { ...at, ...c.delta, slices }, expected: plain(e.snapshot()) };
    };
    const sliceRows = () => rowsOf(tmp.dir, 'engine_slices');
    // Every slice written as it comes (not buffered): the rows below are all there is.
    const open = () => new SqliteAlarmStore({ dataDir: tmp.dir, engineSliceBufferChars: 0 });
    let store = open();
    try {
      feed(10);
      const first = stage(store, true);
      // A whole state in slices: the head row holds no entries of its own.
      expect('snapshot' in first.state && Object.keys(first.state.snapshot.trackers)).toEqual([]);
      await store.saveEngineState(first.state);
      expect((await store.loadEngineState())!.snapshot).toEqual(first.expected);
      expect(() => first.slices.add('{}')).toThrow(/already saved/);
      await expect(store.saveEngineState(first.state)).rejects.toThrow(/already saved/);

      // Slices of a save that never comes (the process stops first): not loaded, and gone on the next open.
      feed(10);
      const withFirst = sliceRows();
      const orphan = stage(store, false);
      const withOrphan = sliceRows();
      expect(withOrphan).toBeGreaterThan(withFirst);
      expect((await store.loadEngineState())!.snapshot).toEqual(first.expected);
      await store.close();
      store = open();
      expect((await store.loadEngineState())!.snapshot).toEqual(first.expected);
      const rowsOfFirst = sliceRows();
      expect(rowsOfFirst).toBe(withFirst);
      await expect(store.saveEngineState(orphan.state)).rejects.toThrow(/the store that staged them/);

      // A whole state saved at once (at stop, at a new revision) while a later save's slices are being
      // written: it replaces the slices of the state before, and leaves the later one's.
      feed(5);
      const later = stage(store, true);
      const total = sliceRows();
      await store.saveEngineState({ revision: 1, savedAt: savedAt(e.clock()), snapshot: e.snapshot() });
      expect(sliceRows()).toBe(total - rowsOfFirst);
      expect(sliceRows()).toBeGreaterThan(0);
      await store.saveEngineState(later.state);
      expect((await store.loadEngineState())!.snapshot).toEqual(later.expected);

      // A save whose transaction fails: its slices are discarded, the state before still loads, and the next save works.
      feed(10);
      const failing = stage(store, false);
      const rowsBefore = sliceRows();
      const ddl = new Database(join(tmp.dir, 'alarms.sqlite'));
      ddl.exec("CREATE TRIGGER refuse BEFORE INSERT ON engine_deltas BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
      await expect(store.saveEngineState(failing.state)).rejects.toThrow(/disk says no/);
      ddl.exec('DROP TRIGGER refuse');
      ddl.close();
      expect(sliceRows()).toBeLessThan(rowsBefore);
      expect((await store.loadEngineState())!.snapshot).toEqual(later.expected);
      const next = stage(store, true);
      await store.saveEngineState(next.state);
      expect((await store.loadEngineState())!.snapshot).toEqual(next.expected);
    } finally {
      await store.close();
      tmp.remove();
    }
  });
});

/** Rows in a table of the alarm store in `dir`, read through a connection of its own. */
function rowsOf(dir: string, table: 'engine_deltas' | 'engine_slices'): number {
  const db = new Database(join(dir, 'alarms.sqlite'), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Keys in one order, so that two equal states compare equal as text. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
}

function counter(from = 0): () => string {
  let n = from;
  return () => `id-${++n}`;
}
