// The engine's tracker registry keeps a Map's order (saved states, alarms raised at one instant and
// reconfiguration steps follow it) without a table of keys: it finds a tracker by its key where the
// engine's facts hold it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SiteConfig, TelemetryBatch } from '@hazwatch/protocols';
import { RuleEngine } from '../src/engine/index.ts';
import { TrackerRegistry } from '../src/engine/registry.ts';
import { Tracker, type Evaluation, type TransitionSink } from '../src/engine/tracker.ts';

/** Trackers are only stored here: a rule with a key is all the registry reads (the rest is never asked). */
class Keyed extends Tracker {
  constructor(readonly key: string) {
    super();
  }
  readonly enterpriseId = 'ent';
  readonly type = 'over-staffing' as const;
  readonly reason = null;
  readonly subject = {};
  readonly domain = { clock: () => 0, followsPlatform: () => true, parked: undefined };
  readonly raiseMs = 0;
  readonly clearMs = 0;
  readonly twoLevel = false;
  readonly deps = 0;
  readonly horizon = undefined;
  readonly sink = undefined as unknown as TransitionSink;
  evaluate(): Evaluation {
    return { low: false, high: false, value: null };
  }
  nextChange(): undefined {
    return undefined;
  }
  limit(): null {
    return null;
  }
  disposable(): boolean {
    return false;
  }
}
const tracker = (key: string): Tracker => new Keyed(key);

type Op = { op: 'add' | 'replace' | 'delete'; k: number };

describe('TrackerRegistry', () => {
  it('iterates, finds and counts as a Map of the same operations would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ op: fc.constantFrom<Op['op']>('add', 'replace', 'delete'), k: fc.nat(7) }), { maxLength: 200 }),
        (ops) => {
          // Where the registry finds a tracker by key: the latest made for it (as the engine's facts
          // hold the one tracker they made for a key, listed or not).
          const made = new Map<string, Tracker>();
          const reg = new TrackerRegistry((key) => made.get(key));
          const ref = new Map<string, Tracker>();
          for (const { op, k } of ops) {
            const key = `key-${k}`;
            if (op === 'add' || op === 'replace') {
              // The engine adds a tracker only for a key it has none listed for (a returning person's
              // own, or a new one); `replace` makes another for a key taken out.
              if (ref.has(key)) continue;
              let t = made.get(key);
              if (!t || op === 'replace') made.set(key, (t = tracker(key)));
              reg.add(t);
              ref.set(key, t);
            } else {
              const t = ref.get(key);
              expect(t ? reg.remove(t) : false).toBe(ref.delete(key));
            }
            expect([...reg.values()]).toEqual([...ref.values()]);
            expect([...reg].map(([key2]) => key2)).toEqual([...ref.keys()]);
            expect(reg.size).toBe(ref.size);
            for (let j = 0; j < 8; j++) {
              expect(reg.get(`key-${j}`)).toBe(ref.get(`key-${j}`));
              expect(reg.has(`key-${j}`)).toBe(ref.has(`key-${j}`));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("finds every one of an engine's trackers by its key, and none by a key it has not", () => {
    const START = Date.parse('2026-03-02T09:00:00+08:00');
    const site = SiteConfig.parse({
      defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 60 },
      enterprises: [
        {
          id: 'ent-r', name: 'R', region: '370306', timezone: 'Asia/Shanghai',
          licence: { products: [{ product: 'px', perYear: 1000, warnAt: 800, unit: 'kg' }] },
          calendar: { closed: ['2026-03-08'] },
          lines: [
            { id: 'line-1', name: 'L1', kind: 'explosive', staffingLimit: 3, product: 'px', capacity: { perDay: 500, unit: 'kg' } },
            { id: 'line-2', name: 'L2', kind: 'explosive' },
          ],
          workshops: [
            {
              id: 'ws-1', name: 'W1', hazardClass: '1.1', lines: ['line-1', 'line-2'], staffingLimit: 2, lineStaffingLimits: { 'line-1': 1, 'line-2': 1 },
              quantityLimitKg: 100, quantityWarnKg: 80, maxDwellMinutes: 1,
              operatingHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }],
            },
            { id: 'ws-2', name: 'W2', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2, quantityLimitKg: 100 },
          ],
          gateways: [{ id: 'gw-1', workshops: ['ws-1', 'ws-2'], lines: ['line-1', 'line-2'] }],
        },
      ],
    });
    const e = new RuleEngine({ site, revision: 1, startedAt: START });
    // A person inside (a dwell tracker) and an unlicensed product counted (an unlicensed tracker).
    e.apply({
      kind: 'telemetry', at: START, enterpriseId: 'ent-r', gatewayId: 'gw-1',
      batch: TelemetryBatch.parse({
        v: 1, gatewayId: 'gw-1', seq: 1, sentAt: START,
        readings: [
          { workshopId: 'ws-1', ts: START, headcount: { total: 1, persons: [{ id: 'P-1', since: START }] }, materialKg: 5 },
          { lineId: 'line-2', ts: START, production: { product: 'other', counter: 1 } },
          { lineId: 'line-2', ts: START + 1, production: { product: 'other', counter: 2 } },
        ],
      }),
    });
    const keys = Object.keys(e.snapshot().trackers);
    expect(keys.some((k) => k.includes('|P-1|'))).toBe(true);
    expect(keys.some((k) => k.endsWith('|other'))).toBe(true);
    const states = e.trackerStates(keys);
    for (const k of keys) expect(states[k], k).not.toBeNull();
    const others = ['ent-r|over-staffing||ws-9||||', 'ent-r|over-time|dwell|ws-1|||P-2|', 'ent-x|gateway-offline|||||gw-1||', 'a|b', '', 'ent-r|over-staffing|||line-2|||'];
    for (const k of others) expect(e.trackerStates([k])[k], k).toBeNull();
  });
});
