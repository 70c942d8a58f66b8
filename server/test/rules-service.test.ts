// RulesService, the live engine's host: it persists and announces outputs strictly in order through
// one promise chain. A step that fails must fail only its own caller (an ingest group then goes
// unacknowledged and comes again); it must not leave the chain rejected, which would refuse every
// later group. A new revision announces every view at once.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SiteConfig, TelemetryBatch, type WorkshopLive } from '@hazwatch/protocols';
import { pino, type Logger } from 'pino';
import { EventBus, type BusEvents } from '../src/bus.ts';
import { orphanedAlarms } from '../src/rules/orphaned-alarms.ts';
import { RulesService, type RulesDeps } from '../src/rules/rules.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import type { EngineInput, RuleEngine } from '../src/engine/index.ts';
import { tempDir, waitFor } from './helpers.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const site = SiteConfig.parse({
  defaults: { raiseAfterSeconds: 0, clearAfterSeconds: 0, offlineAfterSeconds: 60 },
  enterprises: [{
    id: 'ent-c', name: '链', region: '370306', timezone: 'Asia/Shanghai',
    lines: [], gateways: [{ id: 'gw-1', workshops: ['ws-1'], lines: [] }],
    workshops: [{ id: 'ws-1', name: 'W1', hazardClass: '1.1', lines: [], staffingLimit: 1 }],
  }],
});

const reading = (seq: number, total: number): EngineInput => {
  const at = T0 + seq * 1000;
  const persons = Array.from({ length: total }, (_, i) => ({ id: `P-${i}`, since: T0 }));
  return { kind: 'telemetry', at, enterpriseId: 'ent-c', gatewayId: 'gw-1', batch: TelemetryBatch.parse({ v: 1, gatewayId: 'gw-1', seq, sentAt: at, readings: [{ workshopId: 'ws-1', ts: at, headcount: { total, persons } }] }) };
};

/** The real bus, made to fail once in a way its own guard does not catch (a fault injected around it). */
class BusFailingOnce extends EventBus {
  failNext = false;
  override emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('injected announce failure');
    }
    super.emit(event, payload);
  }
}

type Harness = { store: SqliteAlarmStore; log: Logger; clock: { at: number }; service(deps?: Partial<RulesDeps>): RulesService };

/** A real alarm store in a temp dir, services made on it at a settable clock; all stopped and removed after `fn`. */
async function withRules(fn: (h: Harness) => Promise<void>): Promise<void> {
  const tmp = tempDir();
  const log = pino({ level: 'silent' });
  const store = new SqliteAlarmStore({ dataDir: tmp.dir });
  const clock = { at: T0 + 1000 };
  const made: RulesService[] = [];
  const service = (deps: Partial<RulesDeps> = {}) => {
    const n = made.length;
    const svc = new RulesService({ site, revision: 1, alarms: store, bus: new EventBus(log), log, newId: () => `a${n}-${clock.at}`, now: () => clock.at, ...deps });
    made.push(svc);
    return svc;
  };
  try {
    await fn({ store, log, clock, service });
  } finally {
    for (const svc of made.reverse()) await svc.stop();
    await store.close();
    tmp.remove();
  }
}

describe('RulesService', () => {
  it('a failed step rejects its own caller only; later outputs are persisted and announced', () =>
    withRules(async ({ store, log, clock, service }) => {
      const bus = new BusFailingOnce(log);
      const views: WorkshopLive[] = [];
      bus.on('workshop', (w) => views.push(w));
      const svc = service({ bus });
      svc.start();
      bus.failNext = true;
      await expect(svc.applyMany([reading(1, 0)])).rejects.toThrow('injected announce failure');
      // Two people against a limit of one, no debounce: the next group raises 超员 at once.
      clock.at = T0 + 2000;
      await svc.applyMany([reading(2, 2)]);
      expect(views.at(-1)?.headcount).toBe(2);
      expect((await store.list({ state: 'active' })).map((a) => a.type)).toEqual(['over-staffing']);
    }));

  it('a new revision announces every view with its new limits, without waiting for a reading', () =>
    withRules(async ({ log, clock, service }) => {
      const bus = new EventBus(log);
      const views: WorkshopLive[] = [];
      bus.on('workshop', (w) => views.push(w));
      const svc = service({ bus });
      svc.start();
      await svc.applyMany([reading(1, 1)]);
      expect(views.at(-1)?.staffingLimit).toBe(1);
      const next = SiteConfig.parse({ ...site, enterprises: site.enterprises.map((e) => ({ ...e, workshops: e.workshops.map((w) => ({ ...w, name: 'W1 新', staffingLimit: 3 })) })) });
      clock.at = T0 + 2000;
      await svc.reconfigure(next, 2);
      expect(views.at(-1)).toMatchObject({ workshopId: 'ws-1', name: 'W1 新', staffingLimit: 3, headcount: 1 });
    }));

  it('saves a new revision at once as what it changed, loaded under the new revision', () =>
    withRules(async ({ store, clock, service }) => {
      // (Outputs are saved with their events, in one transaction.)
      const append = store.append.bind(store);
      const kinds: string[] = [];
      store.append = async (events, state) => {
        if (state) kinds.push('snapshot' in state ? 'full' : 'delta');
        return append(events, state);
      };
      const svc = service();
      svc.start();
      // Two people against a limit of one, no debounce: 超员 at once.
      await svc.applyMany([reading(1, 2)]);
      const active = () => store.loadEngineState().then((l) => Object.values(l!.snapshot.trackers).filter((t) => t.active).map((t) => t.active!.type));
      expect(await active()).toEqual(['over-staffing']);
      const next = SiteConfig.parse({ ...site, enterprises: site.enterprises.map((e) => ({ ...e, workshops: e.workshops.map((w) => ({ ...w, staffingLimit: 2 })) })) });
      clock.at = T0 + 2000;
      kinds.length = 0;
      await svc.reconfigure(next, 2);
      // The limit raised to two: cleared by the revision, and saved with it as a delta.
      expect(kinds).toEqual(['delta']);
      expect((await store.loadEngineState())?.revision).toBe(2);
      expect(await active()).toEqual([]);
      expect((await store.list({ state: 'all' })).map((a) => a.clearedAt !== null)).toEqual([true]);
    }));

  it('a revision applied at start over the saved one is saved at once; a crash after its first alarm transition restarts right', async () => {
    // Revision 1: ws-1 limit 1, ws-2 limit 3. Revision 2: ws-1's limit dropped (its alarm clears: a
    // transition), ws-2's lowered to 1 (two inside: over, raised 10 s later with no further reading).
    const ent = (ws1: number | undefined, ws2: number) => ({
      id: 'ent-c', name: '链', region: '370306', timezone: 'Asia/Shanghai', lines: [], gateways: [{ id: 'gw-1', workshops: ['ws-1', 'ws-2'], lines: [] }],
      workshops: [
        { id: 'ws-1', name: 'W1', hazardClass: '1.1', lines: [], ...(ws1 === undefined ? {} : { staffingLimit: ws1 }) },
        { id: 'ws-2', name: 'W2', hazardClass: '1.1', lines: [], staffingLimit: ws2 },
      ],
    });
    const defaults = { raiseAfterSeconds: 10, clearAfterSeconds: 0, offlineAfterSeconds: 60 };
    const site1 = SiteConfig.parse({ defaults, enterprises: [ent(1, 3)] });
    const site2 = SiteConfig.parse({ defaults, enterprises: [ent(undefined, 1)] });
    const both = (seq: number): EngineInput => {
      const at = T0 + seq * 1000;
      const persons = [{ id: 'P-0', since: T0 }, { id: 'P-1', since: T0 }];
      return { kind: 'telemetry', at, enterpriseId: 'ent-c', gatewayId: 'gw-1', batch: TelemetryBatch.parse({ v: 1, gatewayId: 'gw-1', seq, sentAt: at, readings: ['ws-1', 'ws-2'].map((w) => ({ workshopId: w, ts: at, headcount: { total: 2, persons } })) }) };
    };
    await withRules(async ({ store, clock, service }) => {
      const engineOf = (svc: RulesService) => (svc as unknown as { engine: RuleEngine }).engine;
      const ws2 = (svc: RulesService) => engineOf(svc).activeAlarms().filter((a) => a.subject.workshopId === 'ws-2').map((a) => a.type);
      const a = service({ site: site1, saveEveryMs: 3_600_000 });
      a.start();
      clock.at = T0 + 1000;
      await a.apply(both(1));
      clock.at = T0 + 12_000;
      await a.apply(both(12));
      await a.stop();
      const first = (await store.loadEngineState())!;
      expect(first.revision).toBe(1);
      // Restarted with revision 2 in force (as app.ts does: restore under the saved revision, then apply it).
      clock.at = T0 + 20_000;
      const b = service({ site: site2, revision: 2, saved: { revision: 1, site: site1, snapshot: first.snapshot }, saveEveryMs: 3_600_000 });
      b.start();
      await waitFor(async () => (await store.list({ state: 'active' })).length === 0 && (await store.loadEngineState())!.revision === 2, 'the clear persisted and the revision saved');
      // The process dies here. The next start restores what was saved, as app.ts does.
      const second = (await store.loadEngineState())!;
      clock.at = T0 + 25_000;
      const c = service({ site: site2, revision: 2, saved: { revision: second.revision, site: second.revision === 1 ? site1 : site2, snapshot: second.snapshot }, saveEveryMs: 3_600_000 });
      engineOf(b).advance(T0 + 40_000);
      engineOf(c).advance(T0 + 40_000);
      expect(ws2(b)).toEqual(['over-staffing']);
      expect(ws2(c)).toEqual(['over-staffing']);
    });
  });

  it('a crash before the first periodic save restarts with the alarms raised so far (no amnesia)', () =>
    withRules(async ({ store, clock, service }) => {
      const first = service();
      first.start();
      // 超员 raised at once; the periodic save (30 s) has not run when the process "dies" here.
      await first.applyMany([reading(1, 2)]);
      const saved = await store.loadEngineState();
      expect(saved, 'a base snapshot to lay the transition deltas over').toBeDefined();
      clock.at = T0 + 5000;
      const second = service({ saved: { revision: 1, site, snapshot: saved!.snapshot } });
      // What it restored is what the ledger holds active: nothing orphaned.
      expect(second.restoredAlarms.map((a) => a.type)).toEqual(['over-staffing']);
      expect(await orphanedAlarms(store, second.restoredAlarms)).toEqual([]);
      second.start();
      expect(second.activeAlarms().map((a) => a.type)).toEqual(['over-staffing']);
      // Back under the limit: the alarm raised before the crash clears; nothing is raised again.
      await second.applyMany([reading(5, 1)]);
      expect(await store.list({ state: 'active' })).toEqual([]);
      expect((await store.list({ state: 'all' })).map((a) => a.type)).toEqual(['over-staffing']);
    }));

  it('if writing the base fails, the next periodic save is a full one', () =>
    withRules(async ({ store, service }) => {
      // The real store, made to fail its first state write (a full disk, say).
      const save = store.saveEngineState.bind(store);
      let failures = 1;
      const kinds: string[] = [];
      store.saveEngineState = async (state) => {
        kinds.push('snapshot' in state ? 'full' : 'delta');
        if (failures-- > 0) throw new Error('injected: disk full');
        return save(state);
      };
      const svc = service({ saveEveryMs: 5 });
      svc.start();
      await svc.applyMany([reading(1, 2)]);
      await waitFor(() => kinds.length >= 2, 'a periodic save after the failed base');
      expect(kinds.slice(0, 2)).toEqual(['full', 'full']);
      await waitFor(async () => (await store.loadEngineState()) !== undefined, 'the base to be written');
    }));

  it('does not hold on to the saved state it was restored from, nor to the site it began with', () =>
    withRules(async ({ store, service }) => {
      const first = service();
      first.start();
      await first.applyMany([reading(1, 2)]);
      await first.stop();
      let saved = (await store.loadEngineState())?.snapshot;
      let begun: SiteConfig | undefined = structuredClone(site);
      const savedRef = new WeakRef(saved!);
      const siteRef = new WeakRef(begun);
      const second = service({ site: begun, saved: { revision: 1, site: structuredClone(site), snapshot: saved! } });
      second.start();
      await second.reconfigure(structuredClone(site), 2);
      saved = undefined;
      begun = undefined;
      // A WeakRef keeps its target alive until the end of the turn that made or read it.
      await new Promise((r) => setTimeout(r, 0));
      collectGarbage();
      expect(savedRef.deref()).toBeUndefined();
      expect(siteRef.deref()).toBeUndefined();
      expect(second.revision).toBe(2);
      await second.stop();
    }));

  it('a save whose slice write fails leaves no capture behind in the engine', () =>
    withRules(async ({ store, service }) => {
      // Enough workshops for a capture of several slices (1,000 items each).
      const ws = Array.from({ length: 300 }, (_, i) => ({ id: `ws-${i}`, name: `W${i}`, hazardClass: '1.1', lines: [], staffingLimit: 2, quantityLimitKg: 100 }));
      const big = SiteConfig.parse({
        defaults: { raiseAfterSeconds: 3, clearAfterSeconds: 3, offlineAfterSeconds: 20 },
        enterprises: [{ id: 'ent-big', name: '大', region: '370306', timezone: 'Asia/Shanghai', lines: [], workshops: ws, gateways: [{ id: 'gw', workshops: ws.map((w) => w.id), lines: [] }] }],
      });
      // The real store, the first slice write of the base made to fail (a full disk, say).
      const stage = store.stageEngineState.bind(store);
      let failures = 1;
      let discarded = 0;
      store.stageEngineState = () => {
        const slices = stage();
        const add = slices.add.bind(slices);
        const discard = slices.discard.bind(slices);
        slices.add = (json) => (failures-- > 0 ? failNow() : add(json));
        slices.discard = () => {
          discarded++;
          discard();
        };
        return slices;
      };
      // No periodic save meanwhile: only the base's capture could still be pending.
      const svc = service({ site: big, saveEveryMs: 3_600_000 });
      svc.start();
      const engine = (svc as unknown as { engine: { pending: unknown } }).engine;
      expect(engine.pending).toBeDefined();
      // Inputs while it is pending: the workshops they change are copied into it before they change.
      for (let n = 1; n <= 3; n++) {
        const at = T0 + n * 1000;
        await svc.apply({ kind: 'telemetry', at, enterpriseId: 'ent-big', gatewayId: 'gw', batch: TelemetryBatch.parse({ v: 1, gatewayId: 'gw', seq: n, sentAt: at, readings: ws.map((w) => ({ workshopId: w.id, ts: at, materialKg: n })) }) });
      }
      await waitFor(() => discarded === 1, 'the failed save to discard its slices');
      // Finished a slice per turn and let go: not held, copying every change, until the next save.
      await waitFor(() => engine.pending === undefined, 'the failed capture to be let go');
      expect(await store.loadEngineState()).toBeUndefined();
      await svc.stop();
      expect((await store.loadEngineState())!.snapshot.workshops['ent-big/ws-7']!.materialKg).toBe(3);
    }));
});

/** A full collection, without running the whole test process with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}

function failNow(): never {
  throw new Error('injected: disk full');
}
