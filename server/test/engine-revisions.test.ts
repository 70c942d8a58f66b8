// A new configuration revision rebuilds only the enterprises it changes (RuleEngine.reconfigure,
// engine/revision.ts). Over random streams and random revisions (limits changed, rules dropped,
// workshops, gateways and whole enterprises added and removed, the defaults' neighbours changed), each
// enterprise of an engine reconfigured that way raises and clears exactly the alarms, and shows the
// views, of an engine that only ever had that enterprise and its own revisions; the engine saves
// deltas that load as its state under the new revision, and restores from them into an engine that
// goes on exactly as it does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SiteConfig, TelemetryBatch, alarmKey, type ReadingInput, type SiteConfigInput } from '@hazwatch/protocols';
import { RuleEngine, type EngineInput, type EngineOutput, type EngineSnapshot } from '../src/engine/index.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { engineEnterprise } from './fixtures/engine-enterprise.ts';
import { tempDir } from './helpers.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
type Ent = SiteConfigInput['enterprises'][number];

const enterprise = (id: string): Ent => engineEnterprise(id);

/** The revisions a stream moves between, each made from the same base: A and B, C only in some. */
const VARIANTS: ((a: Ent, b: Ent, c: Ent) => Ent[])[] = [
  (a, b) => [a, b],
  // A limit lowered.
  (a, b) => [{ ...a, workshops: a.workshops!.map((w) => (w.id === 'ws-1' ? { ...w, staffingLimit: 1 } : w)) }, b],
  // A workshop added to a gateway.
  (a, b) => [a, { ...b, workshops: [...b.workshops!, { id: 'ws-4', name: 'W4', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 1 }],
    gateways: b.gateways!.map((g) => (g.id === 'gw-2' ? { ...g, workshops: [...(g.workshops ?? []), 'ws-4'] } : g)) }],
  // A workshop removed.
  (a, b) => [{ ...a, workshops: a.workshops!.filter((w) => w.id !== 'ws-2'), gateways: a.gateways!.map((g) => ({ ...g, workshops: (g.workshops ?? []).filter((w) => w !== 'ws-2') })) }, b],
  // An enterprise added.
  (a, b, c) => [a, b, c],
  // A rule dropped (no dwell limit any more) and a quantity limit raised.
  (a, b, c) => [a, { ...b, workshops: b.workshops!.map((w) => (w.id === 'ws-1' ? { ...w, maxDwellMinutes: undefined, quantityLimitKg: 110 } : w)) }, c],
  // An enterprise removed.
  (a, _b, c) => [a, c],
  // A gateway removed (its workshop stays, unmonitored).
  (a, b) => [a, { ...b, gateways: b.gateways!.filter((g) => g.id !== 'gw-2') }],
  // Only something outside the enterprises: the engine rebuilds everything.
  (a, b) => [a, b],
];

function siteOf(variant: number, regulation = 'miit-2024'): SiteConfig {
  const ents = VARIANTS[variant]!(enterprise('ent-a'), enterprise('ent-b'), enterprise('ent-c'));
  return SiteConfig.parse({
    regulation: variant === VARIANTS.length - 1 ? `${regulation}-x` : regulation,
    defaults: { raiseAfterSeconds: 3, clearAfterSeconds: 3, offlineAfterSeconds: 20 },
    enterprises: ents,
  });
}

/**
 * Second by second, every gateway of every enterprise that may exist, readings changing now and then
 * and some late; gw-2 of B falls silent for a while, and any gateway may say it goes offline.
 */
function inputs(seconds: number, seed: number): EngineInput[] {
  let rnd = seed;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const out: EngineInput[] = [];
  const seq = new Map<string, number>();
  const counters = new Map<string, number>();
  const held = new Map<string, { total: number; kg: number; since: number }>();
  for (let s = 0; s < seconds; s++) {
    const at = T0 + s * 1000;
    for (const ent of ['ent-a', 'ent-b', 'ent-c']) {
      for (const gw of ['gw-1', 'gw-2']) {
        if (ent === 'ent-b' && gw === 'gw-2' && s > 30 && s < 60) continue;
        const k = `${ent}/${gw}`;
        if (rand() < 0.03) {
          out.push({ kind: 'status', at, enterpriseId: ent, gatewayId: gw, status: { v: 1, state: 'offline', ts: at } });
          continue;
        }
        const readings: ReadingInput[] = [];
        for (const ws of gw === 'gw-1' ? ['ws-1', 'ws-2'] : ['ws-3', 'ws-4']) {
          let h = held.get(`${k}/${ws}`);
          if (!h || rand() < 0.2) held.set(`${k}/${ws}`, (h = { total: Math.floor(rand() * 4), kg: Math.round(rand() * 120), since: at }));
          readings.push({
            // Now and then late (behind the workshop's clock, newer than its newest reading: applied at its ts).
            workshopId: ws, ts: rand() < 0.05 ? at - 700 : at,
            // The first person stays from the start while anyone is inside: over the dwell limit.
            headcount: { total: h.total, persons: Array.from({ length: h.total }, (_, i) => ({ id: `P-${ws}-${i}`, since: i === 0 ? T0 : h!.since })) },
            materialKg: h.kg,
          });
        }
        if (gw === 'gw-1') {
          const counter = (counters.get(ent) ?? 0) + (rand() < 0.5 ? Math.round(rand() * 30) : 0);
          counters.set(ent, counter);
          readings.push({ lineId: 'line-1', ts: at, production: { counter } });
          // A product the licence does not name, produced now and then (its alarm outlives the run).
          const qx = (counters.get(`${ent}/qx`) ?? 0) + (rand() < 0.1 ? 1 : 0);
          counters.set(`${ent}/qx`, qx);
          readings.push({ lineId: 'line-1', ts: at, production: { product: 'qx', counter: qx } });
        }
        const n = (seq.get(k) ?? 0) + 1;
        seq.set(k, n);
        out.push({ kind: 'telemetry', at, enterpriseId: ent, gatewayId: gw, batch: TelemetryBatch.parse({ v: 1, gatewayId: gw, seq: n, sentAt: at, readings }) });
      }
    }
  }
  return out;
}

/**
 * Transitions as a set per call: alarms of different trackers due at one instant may come in
 * another order once some trackers were rebuilt and others not (nothing orders them: SPEC 4).
 */
const canon = (o: EngineOutput, enterpriseId: string) =>
  o.transitions
    .filter((t) => t.alarm.enterpriseId === enterpriseId)
    .map((t) => ({ kind: t.kind, at: t.at, key: alarmKey(t.alarm), alarm: { ...t.alarm, id: '' } }))
    .sort((x, y) => x.at - y.at || x.key.localeCompare(y.key) || x.kind.localeCompare(y.kind));
const views = (e: RuleEngine, enterpriseId: string) =>
  JSON.stringify([e.workshops(), e.lines()].map((vs) => vs.filter((v) => v.enterpriseId === enterpriseId).map((v) => JSON.stringify(v)).sort()));

const IDS = ['ent-a', 'ent-b', 'ent-c'];

/**
 * The site as an engine of enterprise `id` alone sees it: the same outside the enterprises, and that
 * enterprise; while the site has none of that id, one of another id in its place (a site lists at
 * least one), whose alarms are not compared.
 */
function soloSite(site: SiteConfig, id: string): SiteConfig {
  const own = site.enterprises.filter((e) => e.id === id);
  return { ...site, enterprises: own.length > 0 ? own : [SiteConfig.parse({ enterprises: [enterprise('ent-z')] }).enterprises[0]!] };
}
const plain = (s: EngineSnapshot): EngineSnapshot => JSON.parse(JSON.stringify(s)) as EngineSnapshot;

/**
 * The snapshot without the idle per-person trackers of persons no longer inside: a restore makes
 * per-person trackers only for those inside and for active alarms, while a running engine keeps an
 * idle one until its subject is next read (engine.ts, disposeIdle), whatever any revision does.
 */
function kept(s: EngineSnapshot): EngineSnapshot {
  const out = plain(s);
  for (const [key, t] of Object.entries(out.trackers)) {
    const [ent, type, reason, ws, , , person] = key.split('|');
    if (type !== 'over-time' || reason !== 'dwell' || t.active || t.lowSince !== undefined) continue;
    if (!out.workshops[`${ent}/${ws}`]?.persons.some(([id]) => id === person)) delete out.trackers[key];
  }
  return out;
}

const schedule = fc.array(fc.record({ at: fc.integer({ min: 1, max: 175 }), variant: fc.integer({ min: 0, max: VARIANTS.length - 1 }) }), { minLength: 1, maxLength: 8 });

describe('a new revision rebuilds only the enterprises it changes', () => {
  it('gives each enterprise exactly the alarms and views of an engine that had only its own revisions', () => {
    fc.assert(
      fc.property(schedule, fc.integer({ min: 1, max: 1e6 }), (revs, seed) => {
        const stream = inputs(180, seed);
        const some = new RuleEngine({ site: siteOf(0), revision: 1, startedAt: T0, newId: counter() });
        // The oracle: per enterprise, an engine of its own, whose revisions change it only where the
        // enterprise is rebuilt (its configuration changed, or the site's outside the enterprises
        // did), and fed every input (only its own apply). The rest of the site must not matter.
        const solos = new Map(IDS.map((id) => [id, new RuleEngine({ site: { ...soloSite(siteOf(0), id), regulation: 'miit-2024#0' }, revision: 1, startedAt: T0, newId: counter() })]));
        const soloRebuilds = new Map<string, number>();
        const byTime = [...revs].sort((x, y) => x.at - y.at);
        let site = siteOf(0);
        let r = 0;
        let revision = 1;
        const check = (out: EngineOutput, solo: Map<string, EngineOutput>) => {
          for (const id of IDS) expect(canon(out, id)).toEqual(canon(solo.get(id)!, id));
        };
        for (const input of stream) {
          while (r < byTime.length && T0 + byTime[r]!.at * 1000 <= input.at) {
            const { at, variant } = byTime[r++]!;
            const next = siteOf(variant);
            revision++;
            const out = some.reconfigure(next, revision, T0 + at * 1000);
            const outs = new Map<string, EngineOutput>();
            for (const [id, solo] of solos) {
              const rebuilt = JSON.stringify(soloSite(site, id)) !== JSON.stringify(soloSite(next, id));
              // Told of every revision (alarms record the revision in force). One that changes its
              // enterprise is made to rebuild the whole (a new `regulation` each time), so that the
              // oracle's rebuilds do not go the way being tested; one that does not changes nothing.
              if (rebuilt) soloRebuilds.set(id, (soloRebuilds.get(id) ?? 0) + 1);
              const own = soloSite(next, id);
              outs.set(id, solo.reconfigure({ ...own, regulation: `${own.regulation}#${soloRebuilds.get(id) ?? 0}` }, revision, T0 + at * 1000));
              // Every view of an enterprise rebuilt (others' only where time changed them: a gateway
              // gone quiet, say).
              const shown = rebuilt ? (next.enterprises.find((e) => e.id === id)?.workshops ?? []) : [];
              for (const w of shown) expect(out.workshops.some((v) => v.enterpriseId === id && v.workshopId === w.id)).toBe(true);
            }
            check(out, outs);
            site = next;
          }
          check(some.apply(input), new Map([...solos].map(([id, solo]) => [id, solo.apply(input)])));
        }
        check(some.advance(T0 + 400_000), new Map([...solos].map(([id, solo]) => [id, solo.advance(T0 + 400_000)])));
        for (const [id, solo] of solos) expect(views(some, id)).toBe(views(solo, id));
      }),
      { numRuns: 40 },
    );
  });

  it('sends the views of the enterprises it rebuilt, and no other', () => {
    const e = new RuleEngine({ site: siteOf(0), revision: 1, startedAt: T0 });
    for (const input of inputs(5, 3)) e.apply(input);
    const out = e.reconfigure(siteOf(1), 2, T0 + 6000);
    expect(new Set(out.workshops.map((w) => w.enterpriseId))).toEqual(new Set(['ent-a']));
    expect(out.workshops.find((w) => w.workshopId === 'ws-1')?.staffingLimit).toBe(1);
    expect(new Set(out.lines.map((l) => l.enterpriseId))).toEqual(new Set(['ent-a']));
    // Nothing changed: nothing rebuilt, nothing sent.
    const same = e.reconfigure(siteOf(1), 3, T0 + 7000);
    expect(same.workshops).toEqual([]);
    // Outside the enterprises: every view.
    const all = e.reconfigure(siteOf(VARIANTS.length - 1), 4, T0 + 8000);
    expect(new Set(all.workshops.map((w) => w.enterpriseId))).toEqual(new Set(['ent-a', 'ent-b']));
  });

  it('removes an enterprise at the instant its gateways go quiet (views of facts gone are not made)', () => {
    // C is never heard: its gateways go offline at T0 + 20 s, the instant the revision removes it.
    for (const variant of [0, VARIANTS.length - 1]) {
      const e = new RuleEngine({ site: siteOf(4), revision: 1, startedAt: T0 });
      for (const input of inputs(20, 5)) if (input.enterpriseId !== 'ent-c') e.apply(input);
      const out = e.reconfigure(siteOf(variant), 2, T0 + 20_000);
      expect(out.workshops.some((w) => w.enterpriseId === 'ent-c')).toBe(false);
      expect(e.workshops().some((w) => w.enterpriseId === 'ent-c')).toBe(false);
    }
  });

  it("applies an offline gateway's backlog at each reading's ts, a revision of its enterprise meanwhile or not (SPEC 4)", () => {
    const one = (name: string) =>
      SiteConfig.parse({
        defaults: { raiseAfterSeconds: 3, clearAfterSeconds: 3, offlineAfterSeconds: 20 },
        enterprises: [{ id: 'ent-1', name, region: '370306', timezone: 'Asia/Shanghai', lines: [], workshops: [{ id: 'ws-1', name: 'W1', hazardClass: '1.1', lines: [], staffingLimit: 2 }], gateways: [{ id: 'gw-1', workshops: ['ws-1'], lines: [] }] }],
      });
    const run = (revise: boolean) => {
      let seq = 0;
      const batch = (at: number, readings: { ts: number; total: number }[]): EngineInput => ({
        kind: 'telemetry', at, enterpriseId: 'ent-1', gatewayId: 'gw-1',
        batch: TelemetryBatch.parse({ v: 1, gatewayId: 'gw-1', seq: ++seq, sentAt: at, readings: readings.map((x) => ({ workshopId: 'ws-1', ts: x.ts, headcount: { total: x.total } })) }),
      });
      const e = new RuleEngine({ site: one('甲'), revision: 1, startedAt: T0 });
      const outs = [e.apply(batch(T0, [{ ts: T0, total: 1 }])), e.advance(T0 + 30_000)];
      // Offline at +20 (its clock stands there); the enterprise renamed at +30.
      if (revise) outs.push(e.reconfigure(one('乙'), 2, T0 + 30_000));
      // The spool drains at +40: three inside from +1 to +15 (over the limit of 2), then one.
      outs.push(e.apply(batch(T0 + 40_000, Array.from({ length: 19 }, (_, k) => ({ ts: T0 + (k + 1) * 1000, total: k + 1 <= 15 ? 3 : 1 })))));
      outs.push(e.advance(T0 + 60_000));
      return outs.flatMap((o) => o.transitions).filter((t) => t.alarm.type === 'over-staffing').map((t) => [t.kind, t.at - T0]);
    };
    expect(run(false)).toEqual([['raised', 4000], ['cleared', 19_000]]);
    expect(run(true)).toEqual(run(false));
  });

  it('leaves an adopted alarm waiting for a reading of its subject: a revision is not one', () => {
    const e = new RuleEngine({ site: siteOf(0), revision: 4, startedAt: T0 });
    const iso = (ms: number) => new Date(ms).toISOString();
    const orphan = {
      id: 'al-lost', type: 'over-staffing', reason: null, level: 'alarm', enterpriseId: 'ent-a', subject: { workshopId: 'ws-3' }, value: 3, peak: 4, limit: 1,
      since: iso(T0 - 100_000), raisedAt: iso(T0 - 97_000), escalatedAt: null, clearedAt: null, clearReason: null, detectedAt: iso(T0 - 97_000), late: false, configRevision: 3,
    } as const;
    expect(e.adopt([{ ...orphan, subject: { ...orphan.subject } }], T0).adopted).toEqual(['al-lost']);
    // A's ws-1 limit lowered: A rebuilt, with still no reading of ws-3 (nor anything else).
    const out = e.reconfigure(siteOf(1), 5, T0 + 5000);
    const later = e.advance(T0 + 60_000);
    expect([...out.transitions, ...later.transitions].filter((t) => t.alarm.id === 'al-lost')).toEqual([]);
    expect(e.activeAlarms().map((a) => a.id)).toContain('al-lost');
  });

  it('saves a revision as a delta that loads under the new revision, and restores into an engine that goes on as the live one', async () => {
    const tmp = tempDir();
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    const savedAt = (t: number) => new Date(t).toISOString();
    try {
      const opts = { site: siteOf(0), revision: 1, startedAt: T0, newId: counter() };
      const live = new RuleEngine(opts);
      const stream = inputs(160, 41);
      // A limit; a rule dropped (its trackers' keys gone) and an enterprise added; the rule back; an
      // enterprise and a workshop gone; another workshop gone.
      const revs = new Map([[30, 1], [50, 5], [70, 4], [90, 2], [110, 3]]);
      let revision = 1;
      const kinds: string[] = [];
      const save = async (t: number) => {
        const c = live.capture(false);
        kinds.push('snapshot' in c ? 'whole' : 'delta');
        // (As the rules service saves a capture of everything unsaved: `complete`.)
        await store.saveEngineState({ revision, savedAt: savedAt(t), ...('snapshot' in c ? { snapshot: c.snapshot } : { ...c.delta, complete: true }) });
      };
      await save(T0);
      let i = 0;
      for (; i < stream.length && stream[i]!.at < T0 + 120_000; i++) {
        const s = (stream[i]!.at - T0) / 1000;
        const v = revs.get(s);
        if (v !== undefined && stream[i]!.enterpriseId === 'ent-a' && stream[i]!.gatewayId === 'gw-1') {
          revision++;
          live.reconfigure(siteOf(v), revision, stream[i]!.at);
          await save(stream[i]!.at);
          const loaded = (await store.loadEngineState())!;
          expect(loaded.revision).toBe(revision);
          expect(loaded.snapshot).toEqual(plain(live.snapshot()));
        }
        live.apply(stream[i]!);
        if (i % 17 === 0) await save(stream[i]!.at);
      }
      await save(live.clock());
      // Changes within enterprises are deltas; a workshop or an enterprise gone only a whole snapshot can say.
      expect(kinds.slice(1)).toContain('delta');
      expect(kinds.slice(1)).toContain('whole');
      const loaded = (await store.loadEngineState())!;
      expect(loaded.revision).toBe(revision);
      // A delta of some trackers only (an alarm transition's) is no capture of the whole: it leaves the
      // saved revision as it was.
      await store.saveEngineState({ revision: revision + 1, savedAt: savedAt(live.clock()), trackers: {} });
      expect((await store.loadEngineState())!.revision).toBe(revision);
      const restored = RuleEngine.restore({ ...opts, site: siteOf(3), revision, newId: counter(1000) }, loaded.snapshot);
      expect(kept(restored.snapshot())).toEqual(kept(live.snapshot()));
      const strip = (o: EngineOutput) => o.transitions.map((t) => ({ ...t, alarm: { ...t.alarm, id: '' } }));
      for (; i < stream.length; i++) expect(strip(restored.apply(stream[i]!))).toEqual(strip(live.apply(stream[i]!)));
      expect(strip(restored.advance(T0 + 400_000))).toEqual(strip(live.advance(T0 + 400_000)));
    } finally {
      await store.close();
      tmp.remove();
    }
  });
});

function counter(from = 0): () => string {
  let n = from;
  return () => `a-${++n}`;
}
