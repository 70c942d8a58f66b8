// Properties of the rule engine (SPEC 4) over random input streams: the debounce against a reference
// model, one active alarm per key, redelivery, order inside a batch, and restart from a snapshot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SiteConfig, alarmKey, type AlarmRecord, type GatewayStatus, type TelemetryBatch } from '@hazwatch/protocols';
import { RuleEngine, type AlarmTransition, type EngineInput } from '../src/engine/index.ts';
import { replay } from '../src/replay/replay.ts';

const START = Date.parse('2026-03-02T09:00:00+08:00');
const ENT = 'ent-p';
const GW = 'gw-1';

/** One enterprise, two 1.1 workshops of one line on gw-1, and gw-2 that is never heard (offline after 120 s). */
function siteWith(raiseAfterSeconds: number, clearAfterSeconds: number, offlineAfterSeconds = 120): SiteConfig {
  return SiteConfig.parse({
    regulation: 'miit-2024',
    defaults: { raiseAfterSeconds, clearAfterSeconds, offlineAfterSeconds },
    enterprises: [
      {
        id: ENT,
        name: '性质测试',
        region: '370306',
        timezone: 'Asia/Shanghai',
        licence: { products: [{ product: 'px', perYear: 1000, warnAt: 800, unit: 'kg' }] },
        lines: [{ id: 'line-1', name: 'L1', kind: 'explosive', staffingLimit: 3, product: 'px', capacity: { perDay: 500, unit: 'kg' } }],
        workshops: [
          { id: 'ws-1', name: 'W1', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2, quantityLimitKg: 100, quantityWarnKg: 80, maxDwellMinutes: 1 },
          { id: 'ws-2', name: 'W2', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2, quantityLimitKg: 100 },
        ],
        gateways: [
          { id: GW, workshops: ['ws-1', 'ws-2'], lines: ['line-1'] },
          { id: 'gw-2', workshops: [], lines: [] },
        ],
      },
    ],
  });
}

type Reading = TelemetryBatch['readings'][number];
type Input = { at: number; enterpriseId: string; gatewayId: string; telemetry?: TelemetryBatch; status?: GatewayStatus };

// ---------------------------------------------------------------- reference model

/**
 * The debounce of SPEC 4 for one single-level condition, written independently of the engine:
 * raise once true for R without a break (at that moment), clear once false for C; timers due at an
 * instant fire before the reading at that instant.
 */
function referenceAlarms(changes: { t: number; on: boolean }[], until: number, R: number, C: number): { raisedAt: number; clearedAt: number | null; value: number }[] {
  const out: { raisedAt: number; clearedAt: number | null; value: number }[] = [];
  let onSince: number | undefined;
  let offSince: number | undefined;
  let active: { raisedAt: number; clearedAt: number | null; value: number } | undefined;
  const fireUpTo = (t: number) => {
    for (;;) {
      if (!active && onSince !== undefined && onSince + R <= t) {
        active = { raisedAt: onSince + R, clearedAt: null, value: 0 };
        out.push(active);
      } else if (active && offSince !== undefined && offSince + C <= t) {
        active.clearedAt = offSince + C;
        active = undefined;
        offSince = undefined;
      } else return;
    }
  };
  for (const c of changes) {
    fireUpTo(c.t);
    if (c.on) {
      onSince ??= c.t;
      offSince = undefined;
    } else {
      onSince = undefined;
      if (active) offSince ??= c.t;
    }
  }
  fireUpTo(until);
  return out;
}

const headcountSteps = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 12 }), total: fc.integer({ min: 0, max: 4 }) }), { minLength: 1, maxLength: 40 });

describe('rule engine properties', () => {
  it('raises and clears workshop over-staffing exactly as the reference debounce does (never before the excess held raiseAfterSeconds)', () => {
    fc.assert(
      fc.property(headcountSteps, fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), (steps, R, C) => {
        const site = siteWith(R, C, 86_400);
        let t = START;
        const inputs: Input[] = [];
        const changes: { t: number; on: boolean; total: number }[] = [];
        steps.forEach((s, i) => {
          t += s.gap * 1000;
          inputs.push(telemetryInput(t, i + 1, [{ workshopId: 'ws-2', ts: t, headcount: { total: s.total } }]));
          changes.push({ t, on: s.total > 2, total: s.total });
        });
        const until = t + 30_000;
        const got = replay(site, inputs, until).alarms.filter((a) => a.subject.workshopId === 'ws-2' && a.type === 'over-staffing' && !a.subject.lineId);
        const want = referenceAlarms(changes, until, R * 1000, C * 1000);
        // The value at raise is the count in force just before the inputs of that instant (timers fire
        // first), or with no debounce the count that raised it.
        for (const w of want) w.value = [...changes].reverse().find((c) => c.t < w.raisedAt || (R === 0 && c.t === w.raisedAt))!.total;
        expect(got.map((a) => ({ raisedAt: Date.parse(a.raisedAt), clearedAt: a.clearedAt === null ? null : Date.parse(a.clearedAt), value: a.value }))).toEqual(want);
        for (const a of got) {
          expect(Date.parse(a.raisedAt) - Date.parse(a.since)).toBeGreaterThanOrEqual(R * 1000);
          expect(a.late).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never has two active alarms for one (type, subject, reason)', () => {
    fc.assert(
      fc.property(streamArb, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), (stream, R, C) => {
        const r = replay(siteWith(R, C), stream.inputs, stream.until);
        const active = new Map<string, string>();
        for (const e of r.events) {
          const key = alarmKey(e.alarm);
          if (e.kind === 'raised') {
            expect(active.has(key), `second ${key} raised at ${e.at} while ${active.get(key)} is active`).toBe(false);
            active.set(key, e.alarm.id);
          } else if (e.kind === 'cleared') {
            expect(active.get(key)).toBe(e.alarm.id);
            active.delete(key);
          }
        }
        // The final records agree: per key, intervals in raise order, each cleared before the next is raised.
        const byKey = new Map<string, AlarmRecord[]>();
        for (const a of r.alarms) byKey.set(alarmKey(a), [...(byKey.get(alarmKey(a)) ?? []), a]);
        for (const list of byKey.values()) {
          list.sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt));
          list.slice(0, -1).forEach((a, i) => {
            expect(a.clearedAt).not.toBeNull();
            expect(Date.parse(a.clearedAt!)).toBeLessThanOrEqual(Date.parse(list[i + 1]!.raisedAt));
          });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('ignores a batch delivered again with the same seq, wherever the redelivery lands', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 6 }), (stream, picks) => {
        const site = siteWith(5, 5);
        const once = replay(site, stream.inputs, stream.until);
        const telemetry = stream.inputs.map((x, i) => (x.telemetry ? i : -1)).filter((i) => i >= 0);
        // Each pick redelivers one batch right after itself or after one of the next two inputs,
        // arriving at the same instant as the input before it (so no extra time passes).
        const after = stream.inputs.map(() => [] as Input[]);
        for (const p of picks) {
          if (telemetry.length === 0) break;
          const i = telemetry[p % telemetry.length]!;
          const j = Math.min(i + (p % 3), stream.inputs.length - 1);
          after[j]!.push({ ...stream.inputs[i]!, at: stream.inputs[j]!.at });
        }
        const twice = stream.inputs.flatMap((x, j) => [x, ...after[j]!]);
        const again = replay(site, twice, stream.until);
        expect(once.rejected).toEqual([]);
        expect(again.rejected).toEqual([]);
        expect(again.duplicates).toBe(twice.length - stream.inputs.length);
        expect(comparable(again.alarms)).toEqual(comparable(once.alarms));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same alarms whatever the order of the readings inside each batch', () => {
    fc.assert(
      fc.property(
        streamArb.chain((stream) => fc.tuple(fc.constant(stream), fc.array(fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), { minLength: stream.inputs.length, maxLength: stream.inputs.length }))),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        ([stream, orders], R, C) => {
          const site = siteWith(R, C);
          const shuffled = stream.inputs.map((x, i) => (x.telemetry ? { ...x, telemetry: { ...x.telemetry, readings: permute(x.telemetry.readings, orders[i]!) } } : x));
          expect(comparable(replay(site, shuffled, stream.until).alarms)).toEqual(comparable(replay(site, stream.inputs, stream.until).alarms));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('resumes from snapshot()/RuleEngine.restore() mid-stream with the same transitions as an uninterrupted run', () => {
    fc.assert(
      fc.property(streamArb, fc.nat(), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), (stream, cut, R, C) => {
        const site = siteWith(R, C);
        const inputs = stream.inputs.map(engineInput);
        const split = cut % (inputs.length + 1);
        const opts = { site, revision: 1, startedAt: inputs[0]?.at ?? START, newId: counter() };

        const whole = new RuleEngine(opts);
        const all: AlarmTransition[] = [];
        for (const x of inputs) all.push(...whole.apply(x).transitions);
        all.push(...whole.advance(stream.until).transitions);

        const first = new RuleEngine({ ...opts, newId: counter() });
        const before: AlarmTransition[] = [];
        for (const x of inputs.slice(0, split)) before.push(...first.apply(x).transitions);
        // Through JSON, as a snapshot is persisted across a restart.
        const snap = JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<RuleEngine['snapshot']>;
        const second = RuleEngine.restore({ ...opts, newId: counter(1_000_000) }, snap);
        const after: AlarmTransition[] = [];
        for (const x of inputs.slice(split)) after.push(...second.apply(x).transitions);
        after.push(...second.advance(stream.until).transitions);

        expect(transitions([...before, ...after])).toEqual(transitions(all));
        expect(comparable(second.activeAlarms())).toEqual(comparable(whole.activeAlarms()));
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------- random streams

/**
 * A stream of gw-1 batches 1–20 s apart, each with up to two readings per workshop (headcount 0–4
 * with a persons list, kg 0–120 or unknown) and a production counter, some of them a few seconds
 * old; now and then a last will. Within a batch no subject has two readings with the same ts, so the
 * order inside a batch carries no information.
 */
const streamArb = fc
  .array(
    fc.oneof(
      { weight: 9, arbitrary: fc.record({
        kind: fc.constant('batch' as const),
        gap: fc.integer({ min: 1, max: 20 }),
        ws1: fc.array(fc.record({ lag: fc.integer({ min: 0, max: 4 }), total: fc.integer({ min: 0, max: 4 }), kg: fc.option(fc.integer({ min: 0, max: 120 }), { freq: 6 }) }), { maxLength: 2 }),
        ws2: fc.array(fc.record({ lag: fc.integer({ min: 0, max: 4 }), total: fc.option(fc.integer({ min: 0, max: 4 }), { freq: 8 }) }), { maxLength: 2 }),
        counter: fc.option(fc.integer({ min: 0, max: 400 }), { freq: 2 }),
      }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('offline' as const), gap: fc.integer({ min: 1, max: 20 }) }) },
    ),
    { minLength: 1, maxLength: 30 },
  )
  .map((steps) => {
    let t = START;
    let seq = 0;
    let counter = 0;
    const inputs: Input[] = [];
    for (const s of steps) {
      t += s.gap * 1000;
      if (s.kind === 'offline') {
        inputs.push({ at: t, enterpriseId: ENT, gatewayId: GW, status: { v: 1, state: 'offline', ts: t, agent: 'property/1', buffered: 0 } });
        continue;
      }
      const readings: Reading[] = [];
      const lags = new Set<number>();
      for (const r of s.ws1) {
        if (lags.has(r.lag)) continue;
        lags.add(r.lag);
        const ts = t - r.lag * 1000;
        const persons = Array.from({ length: r.total }, (_, i) => ({ id: `P${i}`, since: START + i * 7_000 }));
        readings.push({ workshopId: 'ws-1', ts, headcount: { total: r.total, persons }, materialKg: r.kg });
      }
      lags.clear();
      for (const r of s.ws2) {
        if (lags.has(r.lag)) continue;
        lags.add(r.lag);
        readings.push({ workshopId: 'ws-2', ts: t - r.lag * 1000, headcount: { total: r.total } });
      }
      if (s.counter !== null) {
        counter += s.counter;
        readings.push({ lineId: 'line-1', ts: t, production: { counter } });
      }
      inputs.push(telemetryInput(t, ++seq, readings));
    }
    return { inputs, until: t + 90_000 };
  });

function telemetryInput(at: number, seq: number, readings: Reading[]): Input {
  return { at, enterpriseId: ENT, gatewayId: GW, telemetry: { v: 1, gatewayId: GW, seq, sentAt: at, readings } };
}

/** The generated inputs are valid by construction, so the engine can take them without the ingest checks. */
function engineInput(x: Input): EngineInput {
  if (x.telemetry) return { kind: 'telemetry', at: x.at, enterpriseId: x.enterpriseId, gatewayId: x.gatewayId, batch: x.telemetry };
  return { kind: 'status', at: x.at, enterpriseId: x.enterpriseId, gatewayId: x.gatewayId, status: x.status! };
}

function permute<T>(items: T[], keys: number[]): T[] {
  return items.map((item, i) => ({ item, k: keys[i % keys.length]! * 31 + i })).sort((a, b) => a.k - b.k).map((x) => x.item);
}

function counter(from = 0): () => string {
  let n = from;
  return () => `A${++n}`;
}

/** Records without their generated ids, in a canonical order. */
function comparable(alarms: AlarmRecord[]): Omit<AlarmRecord, 'id'>[] {
  return alarms
    .map(({ id: _id, ...rest }) => rest)
    .sort((a, b) => a.raisedAt.localeCompare(b.raisedAt) || alarmKey(a).localeCompare(alarmKey(b)));
}

/**
 * Transitions without ids. Different keys' transitions at one instant may come in either order (a
 * restored engine sets its timers afresh); one key's own transitions keep theirs (stable sort).
 */
function transitions(list: AlarmTransition[]): unknown[] {
  return [...list]
    .sort((a, b) => a.at - b.at || alarmKey(a.alarm).localeCompare(alarmKey(b.alarm)))
    .map((t) => {
      const { id: _id, ...alarm } = t.alarm;
      return { kind: t.kind, at: t.at, alarm };
    });
}
