import { describe, expect, it } from 'vitest';
import { GatewayStatus, LIMITS, Reading, TelemetryBatch, isWorkshopReading, parseRfc3339, type TelemetryBatchInput } from '../src/index.ts';
import { problemAt, problems, scenarios, specStatus, specTelemetry } from './helpers.ts';

type Json = Record<string, unknown>;

/** The SPEC example batch with one change applied to a copy. */
function batch(change: (b: Json & { readings: Json[] }) => void): Json {
  const b = structuredClone(specTelemetry()) as Json & { readings: Json[] };
  change(b);
  return b;
}
const reading0 = (b: { readings: Json[] }) => b.readings[0] as Json & { headcount: Json };

describe('valid telemetry', () => {
  it('accepts the SPEC example and keeps its values', () => {
    const b = TelemetryBatch.parse(specTelemetry());
    expect(b.seq).toBe(1842);
    expect(b.readings).toHaveLength(2);
    const [w, l] = b.readings;
    expect(w && isWorkshopReading(w) ? w.headcount?.byLine : null).toEqual({ 'line-1': 3 });
    expect(l && !isWorkshopReading(l) ? l.production.counter : null).toBe(123456.5);
  });

  it('turns RFC 3339 times with an offset into epoch milliseconds', () => {
    const b = TelemetryBatch.parse(
      batch((x) => {
        x.sentAt = '2026-03-02T09:00:00+08:00';
        reading0(x).ts = '2026-03-02T01:00:00.5Z';
        reading0(x).headcount.persons = [{ id: 'E1023', since: '2026-03-02 08:55:00+08:00' }];
      }),
    );
    expect(b.sentAt).toBe(Date.UTC(2026, 2, 2, 1));
    expect(b.readings[0]?.ts).toBe(Date.UTC(2026, 2, 2, 1, 0, 0, 500));
  });

  it('takes null as unknown, never as 0', () => {
    const b = TelemetryBatch.parse(
      batch((x) => {
        x.readings = [{ workshopId: 'ws-1', ts: 1772323205000, headcount: { total: null }, materialKg: null }];
      }),
    );
    const r = b.readings[0];
    expect(r && isWorkshopReading(r) && r.headcount?.total).toBeNull();
    expect(r && isWorkshopReading(r) && r.materialKg).toBeNull();
  });

  it('accepts the telemetry and status inputs of every scenario', () => {
    const all = scenarios();
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) {
      for (const [i, input] of s.inputs.entries()) {
        const schema = input.telemetry !== undefined ? TelemetryBatch : GatewayStatus;
        const doc = input.telemetry ?? input.status;
        expect(problems(schema, doc), `${s.file} inputs[${i}]`).toEqual([]);
      }
    }
  });

  it('accepts the SPEC status example, and an offline last will', () => {
    expect(problems(GatewayStatus, specStatus())).toEqual([]);
    expect(problems(GatewayStatus, { v: 1, state: 'offline', ts: '2026-03-02T09:00:00+08:00' })).toEqual([]);
  });

  it('keeps the input type usable for builders of batches', () => {
    const input: TelemetryBatchInput = {
      v: 1,
      gatewayId: 'gw-1',
      seq: 0,
      sentAt: 1772323205000,
      readings: [{ lineId: 'line-1', ts: '2026-03-02T09:00:00+08:00', production: { counter: 1 } }],
    };
    expect(TelemetryBatch.parse(input).readings[0]?.ts).toBe(Date.UTC(2026, 2, 2, 1));
  });
});

describe('bad telemetry', () => {
  it('rejects a negative headcount', () => {
    const p = problems(TelemetryBatch, batch((x) => (reading0(x).headcount.total = -1)));
    expect(problemAt(p, 'readings[0].headcount.total').message).toBe('must not be negative');
  });

  it('rejects a headcount that is not a whole number', () => {
    const p = problems(TelemetryBatch, batch((x) => (reading0(x).headcount.total = 2.5)));
    expect(problemAt(p, 'readings[0].headcount.total').message).toBe('must be a whole number of persons');
  });

  it('rejects a negative quantity, and NaN (which JSON cannot carry but a bug can)', () => {
    expect(problemAt(problems(TelemetryBatch, batch((x) => (reading0(x).materialKg = -0.5))), 'readings[0].materialKg').message).toBe('must not be negative');
    expect(problemAt(problems(TelemetryBatch, batch((x) => (reading0(x).materialKg = Number.NaN))), 'readings[0].materialKg').message).toMatch(/must be a number, not NaN/);
  });

  it('rejects strings for numbers', () => {
    const p = problems(TelemetryBatch, batch((x) => (reading0(x).materialKg = '180.5')));
    expect(problemAt(p, 'readings[0].materialKg').message).toBe('must be a number, not a string');
    const q = problems(TelemetryBatch, batch((x) => ((x.readings[1] as { production: Json }).production.counter = '5')));
    expect(problemAt(q, 'readings[1].production.counter').message).toBe('must be a number, not a string');
  });

  it('rejects unknown keys and says which key was meant', () => {
    const p = problems(
      TelemetryBatch,
      batch((x) => {
        x.gateway = 'gw-1';
        reading0(x).material = 3;
        reading0(x).headcount.Total = 3;
      }),
    );
    expect(problemAt(p, '(document)').message).toBe('"gateway" is not a known key (did you mean "gatewayId"?)');
    expect(problemAt(p, 'readings[0]').message).toBe('"material" is not a known key (did you mean "materialKg"?)');
    expect(problemAt(p, 'readings[0].headcount').message).toBe('"Total" is not a known key (did you mean "total"?)');
  });

  it('rejects byLine adding up to more than total', () => {
    const p = problems(TelemetryBatch, batch((x) => (reading0(x).headcount.byLine = { 'line-1': 2, 'line-2': 2 })));
    expect(problemAt(p, 'readings[0].headcount.byLine').message).toBe('adds up to 4, more than total 3');
  });

  it('rejects a person listed twice, and more persons than total', () => {
    const twice = problems(
      TelemetryBatch,
      batch((x) => (reading0(x).headcount.persons = [{ id: 'E1', since: 1772322900000 }, { id: 'E1', since: 1772322900000 }])),
    );
    expect(problemAt(twice, 'readings[0].headcount.persons[1].id').message).toBe('person E1 is listed twice');
    const many = problems(
      TelemetryBatch,
      batch((x) => {
        reading0(x).headcount.total = 1;
        reading0(x).headcount.byLine = { 'line-1': 1 };
        reading0(x).headcount.persons = [{ id: 'E1', since: 1772322900000 }, { id: 'E2', since: 1772322900000 }];
      }),
    );
    expect(problemAt(many, 'readings[0].headcount.persons').message).toBe('lists 2 persons, more than total 1');
  });

  it('rejects a batch with too many readings', () => {
    const p = problems(
      TelemetryBatch,
      batch((x) => {
        x.readings = Array.from({ length: LIMITS.readingsPerBatch + 1 }, (_, i) => ({ workshopId: `ws-${i}`, ts: 1772323205000, materialKg: 1 }));
      }),
    );
    expect(problemAt(p, 'readings').message).toBe(`must hold at most ${LIMITS.readingsPerBatch} readings`);
  });

  it.each(['ws/1', 'ws+', '#', '', '-ws', 'ws 1', 'x'.repeat(65)])('rejects the id %j', (id) => {
    const p = problems(
      TelemetryBatch,
      batch((x) => {
        x.gatewayId = id;
        reading0(x).workshopId = id;
        (x.readings[1] as Json).lineId = id;
      }),
    );
    for (const path of ['gatewayId', 'readings[0].workshopId', 'readings[1].lineId']) {
      expect(problemAt(p, path).message).toMatch(/^must be 1–64 characters/);
    }
  });

  it('recognises timestamps in seconds instead of milliseconds', () => {
    const p = problems(TelemetryBatch, batch((x) => (x.sentAt = 1772323205)));
    expect(problemAt(p, 'sentAt').message).toBe('looks like epoch seconds (1772323205); timestamps are epoch milliseconds (1772323205000)');
  });

  it('rejects implausible, fractional and non-time timestamps', () => {
    expect(problemAt(problems(TelemetryBatch, batch((x) => (x.sentAt = 5))), 'sentAt').message).toMatch(/not a plausible time/);
    expect(problemAt(problems(TelemetryBatch, batch((x) => (x.sentAt = 1772323205000.5))), 'sentAt').message).toBe('must be whole epoch milliseconds');
    expect(problemAt(problems(TelemetryBatch, batch((x) => (x.sentAt = true))), 'sentAt').message).toMatch(/^must be a time: epoch milliseconds/);
  });

  it('rejects RFC 3339 without an offset, and times that do not exist', () => {
    const noOffset = problems(TelemetryBatch, batch((x) => (reading0(x).ts = '2026-03-02T09:00:00')));
    expect(problemAt(noOffset, 'readings[0].ts').message).toBe('must be an RFC 3339 time with an offset, e.g. 2026-03-02T09:00:00+08:00');
    for (const t of ['2026-02-30T09:00:00+08:00', '2026-03-02T24:00:00Z', '2026-03-02T09:00:00+25:00']) {
      expect(problemAt(problems(TelemetryBatch, batch((x) => (reading0(x).ts = t))), 'readings[0].ts').message, t).toBe('is not a real date and time');
    }
    expect(parseRfc3339('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });

  it('reports a bad workshop reading as a workshop reading', () => {
    const p = problems(TelemetryBatch, batch((x) => (reading0(x).headcount.total = 'three')));
    expect(p).toEqual([{ path: 'readings[0].headcount.total', message: 'must be a number, not a string' }]);
  });

  it('reports a bad line reading as a line reading', () => {
    const p = problems(TelemetryBatch, batch((x) => (x.readings[1] = { lineId: 'line-1', ts: 1772323205000, production: { counter: -1 } })));
    expect(p).toEqual([{ path: 'readings[1].production.counter', message: 'must not be negative' }]);
    const missing = problems(Reading, { lineId: 'line-1', ts: 1772323205000 });
    expect(missing).toEqual([{ path: 'production', message: 'is required (an object (a mapping of keys))' }]);
  });

  it('says what a reading must be when it is neither kind', () => {
    const p = problems(TelemetryBatch, batch((x) => (x.readings[0] = { ws: 'ws-1', ts: 1772323205000 })));
    expect(p).toEqual([{ path: 'readings[0]', message: 'must be a workshop reading (with "workshopId") or a line reading (with "lineId")' }]);
    expect(problems(Reading, 'ws-1')).toEqual([{ path: '(document)', message: 'must be a workshop reading (with "workshopId") or a line reading (with "lineId")' }]);
  });

  it('does not take a reading for both kinds at once', () => {
    const p = problems(Reading, { workshopId: 'ws-1', lineId: 'line-1', ts: 1772323205000, materialKg: 1 });
    expect(p).toEqual([{ path: '(document)', message: '"lineId" is not a known key' }]);
  });

  it('rejects a version it does not speak, and a bad seq', () => {
    expect(problemAt(problems(TelemetryBatch, batch((x) => (x.v = 2))), 'v').message).toMatch(/1/);
    expect(problemAt(problems(TelemetryBatch, batch((x) => (x.seq = -1))), 'seq').message).toMatch(/>=0|0/);
    expect(problemAt(problems(TelemetryBatch, batch((x) => delete x.seq)), 'seq').message).toBe('is required (a number)');
  });

  it('lists every problem of a batch, not the first', () => {
    const p = problems(
      TelemetryBatch,
      batch((x) => {
        x.sentAt = 1772323205;
        reading0(x).headcount.total = -1;
        (x.readings[1] as { production: Json }).production.counter = 'x';
      }),
    );
    expect(p.map((x) => x.path)).toEqual(['sentAt', 'readings[0].headcount.total', 'readings[1].production.counter']);
  });

  it('rejects a bad status', () => {
    const p = problems(GatewayStatus, { ...specStatus(), state: 'sleeping', buffered: -1 });
    expect(problemAt(p, 'state').message).toMatch(/online/);
    expect(problemAt(p, 'buffered').message).toMatch(/0/);
  });
});
