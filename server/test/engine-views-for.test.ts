import { describe, expect, it } from 'vitest';
import { SiteConfig, TelemetryBatch, type SiteConfigInput } from '@hazwatch/protocols';
import { RuleEngine, type EngineInput, type EngineOutput } from '../src/engine/index.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');

function enterprise(id: string): SiteConfigInput['enterprises'][number] {
  return {
    id,
    name: id,
    region: '370306',
    timezone: 'Asia/Shanghai',
    lines: [{ id: 'line-1', name: '乳化炸药生产线', kind: 'explosive', staffingLimit: 3, product: 'emulsion', capacity: { perDay: 1000, unit: 'kg' } }],
    workshops: [
      { id: 'ws-1', name: '乳化工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2, quantityLimitKg: 500, maxDwellMinutes: 1 },
      { id: 'ws-2', name: '装药工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2 },
    ],
    gateways: [{ id: 'gw-1', workshops: ['ws-1', 'ws-2'], lines: ['line-1'] }],
  };
}

const site = SiteConfig.parse({
  defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 30 },
  enterprises: [enterprise('ent-a'), enterprise('ent-b')],
});

/** A minute of both enterprises' gateways reporting changing headcounts, persons and production; ent-b's goes silent half-way. */
function inputs(): EngineInput[] {
  const out: EngineInput[] = [];
  let seq = 0;
  let counter = 0;
  for (let sec = 0; sec < 60; sec++) {
    const at = T0 + sec * 1000;
    for (const enterpriseId of ['ent-a', 'ent-b']) {
      if (enterpriseId === 'ent-b' && sec >= 30) continue;
      const total = (sec >> 2) % 4;
      const persons = Array.from({ length: total }, (_, i) => ({ id: `P-${i}`, since: T0 + (sec >> 3) * 1000 }));
      const readings = [
        { workshopId: 'ws-1', ts: at, headcount: { total, persons }, materialKg: sec * 10 },
        { workshopId: 'ws-2', ts: at, headcount: { total: sec % 3 } },
        { lineId: 'line-1', ts: at, production: { counter: (counter += 7) } },
      ];
      out.push({ kind: 'telemetry', at, enterpriseId, gatewayId: 'gw-1', batch: TelemetryBatch.parse({ v: 1, gatewayId: 'gw-1', seq: ++seq, sentAt: at, readings }) });
    }
  }
  return out;
}

function engine(): RuleEngine {
  let n = 0;
  return new RuleEngine({ site, revision: 1, startedAt: T0, newId: () => `A${++n}` });
}

const only = (out: EngineOutput, wanted: (id: string) => boolean): EngineOutput => ({
  transitions: out.transitions,
  workshops: out.workshops.filter((w) => wanted(w.enterpriseId)),
  lines: out.lines.filter((l) => wanted(l.enterpriseId)),
});

describe('RuleEngine.viewsFor', () => {
  it('leaves out the views of enterprises not wanted, and changes nothing else', () => {
    const all = engine();
    const some = engine();
    const wants: ((id: string) => boolean)[] = [(id) => id === 'ent-b', () => false, (id) => id === 'ent-a', () => true];
    let views = 0;
    for (const [i, input] of inputs().entries()) {
      // Another choice with every input, then every enterprise's views again.
      const wanted = i < 80 ? wants[i % 4]! : undefined;
      some.viewsFor(wanted);
      const expected = all.apply(input);
      const got = some.apply(input);
      expect(got).toEqual(wanted ? only(expected, wanted) : expected);
      views += got.workshops.length + got.lines.length;
      // Timers (the silent gateway going offline, dwell limits) fire in `advance` too.
      const at = input.at + 500;
      expect(some.advance(at)).toEqual(wanted ? only(all.advance(at), wanted) : all.advance(at));
    }
    expect(views).toBeGreaterThan(0);
    expect(some.snapshot()).toEqual(all.snapshot());
    expect(some.workshops()).toEqual(all.workshops());
    expect(some.lines()).toEqual(all.lines());
  });

  it('makes the views when asking fails, and loses nothing of the output', () => {
    const all = engine();
    const failing = engine();
    failing.viewsFor(() => {
      throw new Error('no answer');
    });
    for (const input of inputs()) expect(failing.apply(input)).toEqual(all.apply(input));
  });
});
