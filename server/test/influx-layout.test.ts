// The hand-written line protocol of the InfluxDB store against what @influxdata/influxdb-client's
// `Point` writes for the same points (the way the store wrote them before): byte for byte, on random
// valid batches, with ids, units and persons that need escaping.
import fc from 'fast-check';
import { Point } from '@influxdata/influxdb-client';
import { TelemetryBatch, isWorkshopReading, type Reading } from '@hazwatch/protocols';
import { describe, expect, it } from 'vitest';
import { MEASUREMENT, toLineProtocol } from '../src/storage/influx-layout.ts';
import type { BatchMeta } from '../src/storage/telemetry-store.ts';
import { MIN_MS, epochMs, id, readingArbitraries } from './arbitraries.ts';

function nanos(ts: number, seq: number, index: number): string {
  return `${ts}${String((seq % 1000) * 1000 + (index % 1000)).padStart(6, '0')}`;
}

/** The reference: the same points built with `Point`. */
function withPoints(meta: BatchMeta, readings: readonly Reading[]): { body: string; points: number } {
  const lines: string[] = [];
  const push = (p: Point) => {
    const line = p.toLineProtocol();
    if (line) lines.push(line);
  };
  readings.forEach((r, i) => {
    const time = nanos(r.ts, meta.seq, i);
    if (isWorkshopReading(r)) {
      const p = new Point(MEASUREMENT.workshop).tag('enterprise', meta.enterpriseId).tag('workshop', r.workshopId).tag('gateway', meta.gatewayId)
        .intField('seq', meta.seq).intField('received_at', meta.receivedAt).timestamp(time);
      if (r.headcount !== undefined) {
        const h = r.headcount;
        if (h?.total === null || h === null) p.booleanField('headcount_unknown', true);
        else p.intField('headcount', h.total);
        if (h?.byLine) p.stringField('by_line', JSON.stringify(h.byLine));
        if (h?.persons) p.stringField('persons', JSON.stringify(h.persons));
        for (const [line, n] of Object.entries(h?.byLine ?? {})) {
          push(new Point(MEASUREMENT.workshopLine).tag('enterprise', meta.enterpriseId).tag('workshop', r.workshopId).tag('line', line).tag('gateway', meta.gatewayId)
            .intField('headcount', n).intField('seq', meta.seq).timestamp(time));
        }
      }
      if (r.materialKg === null) p.booleanField('material_unknown', true);
      else if (r.materialKg !== undefined) p.floatField('material_kg', r.materialKg);
      push(p);
    } else {
      const p = new Point(MEASUREMENT.production).tag('enterprise', meta.enterpriseId).tag('line', r.lineId).tag('gateway', meta.gatewayId)
        .floatField('counter', r.production.counter).intField('seq', meta.seq).intField('received_at', meta.receivedAt).timestamp(time);
      if (r.production.product !== undefined) p.tag('product', r.production.product);
      if (r.production.unit !== undefined) p.stringField('unit', r.production.unit);
      push(p);
    }
  });
  return { body: lines.join('\n'), points: lines.length };
}

// Person ids and units may hold quotes and backslashes (string fields); meta ids any character a tag escapes.
const anyText = fc.oneof(fc.constantFrom('a"b', 'c\\d', 'kg', '"\\"', '吨'), fc.string({ minLength: 1, maxLength: 12 }));
const { workshop: workshopReading, line: lineReading } = readingArbitraries({ personId: anyText, unit: anyText });
const tagText = fc.oneof(id, fc.constantFrom('a,b', 'a b', 'a=b', 'a\nb\rc\td', '企业 1'));

describe('InfluxDB line protocol', () => {
  it('is what Point writes, byte for byte', () => {
    fc.assert(
      fc.property(
        fc.record({ enterpriseId: tagText, gatewayId: tagText, seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), sentAt: epochMs, receivedAt: epochMs }),
        fc.array(fc.oneof(workshopReading, lineReading), { maxLength: 6 }),
        (meta, raw) => {
          // Only what ingest lets through reaches the store.
          const parsed = TelemetryBatch.safeParse({ v: 1, gatewayId: 'gw-1', seq: 1, sentAt: MIN_MS, readings: raw });
          fc.pre(parsed.success);
          const readings = parsed.data!.readings;
          expect(toLineProtocol(meta, readings)).toEqual(withPoints(meta, readings));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('escapes tags and quotes strings as the protocol requires', () => {
    const meta: BatchMeta = { enterpriseId: 'e 1,x=y', gatewayId: 'gw', seq: 7, sentAt: 0, receivedAt: 5 };
    const { body, points } = toLineProtocol(meta, [
      { lineId: 'l1', ts: 1000, production: { counter: 2.5, unit: 'k"g\\', product: 'p' } },
      { workshopId: 'w', ts: 1000, headcount: null, materialKg: 1 },
    ]);
    expect(points).toBe(2);
    expect(body).toBe(
      'production,enterprise=e\\ 1\\,x\\=y,gateway=gw,line=l1,product=p counter=2.5,received_at=5i,seq=7i,unit="k\\"g\\\\" 1000007000\n' +
        'workshop,enterprise=e\\ 1\\,x\\=y,gateway=gw,workshop=w headcount_unknown=T,material_kg=1,received_at=5i,seq=7i 1000007001',
    );
  });
});
