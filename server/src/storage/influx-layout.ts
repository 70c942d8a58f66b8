// How telemetry is laid out in InfluxDB (documented in docs/architecture.md, "InfluxDB layout").
//
// Tags are only the low-cardinality ids (enterprise, workshop, line, gateway, product); person ids,
// seq and arrival times are fields, never tags, so the series count stays that of the plant.
//
//   workshop       tags enterprise, workshop, gateway
//                  fields headcount (int), headcount_unknown (bool), by_line (JSON string),
//                         persons (JSON string), material_kg (float), material_unknown (bool),
//                         seq (int), received_at (int, epoch ms)
//   workshop_line  tags enterprise, workshop, line, gateway      fields headcount (int), seq (int)
//   production     tags enterprise, line, gateway[, product]     fields counter (float), unit (string),
//                                                                       seq (int), received_at (int)
//
// A value the reading does not carry is absent; `null` (unknown, SPEC 2) is absent plus its
// `*_unknown` flag, so no query can ever take an unknown for 0.
//
// Timestamps are nanoseconds: the reading's `ts` in ms, plus (seq mod 1000) * 1000 + (index mod 1000)
// nanoseconds. InfluxDB keeps one point per series and timestamp, so without this two batches with a
// reading of the same workshop at the same millisecond would overwrite each other; with it they are
// distinct points, while a redelivered batch writes exactly the same points again (idempotent). Reads
// use `epoch=ms`, which truncates the offset away.
import { Point } from '@influxdata/influxdb-client';
import { isWorkshopReading, type Reading } from '@hazwatch/protocols';
import type { InfluxSeries } from './influx-http.ts';
import type { BatchMeta, StoredReading } from './telemetry-store.ts';

export const MEASUREMENT = { workshop: 'workshop', workshopLine: 'workshop_line', production: 'production' } as const;

/** The InfluxDB field behind each aggregatable value. */
export const FIELD = { headcount: 'headcount', materialKg: 'material_kg', counter: 'counter' } as const;

function nanos(ts: number, seq: number, index: number): string {
  return `${ts}${String((seq % 1000) * 1000 + (index % 1000)).padStart(6, '0')}`;
}

/** One batch as line protocol, one point per line. */
export function toLineProtocol(meta: BatchMeta, readings: readonly Reading[]): { body: string; points: number } {
  const lines: string[] = [];
  const push = (p: Point) => {
    const line = p.toLineProtocol();
    if (line) lines.push(line);
  };
  readings.forEach((r, i) => {
    const time = nanos(r.ts, meta.seq, i);
    if (isWorkshopReading(r)) {
      const p = new Point(MEASUREMENT.workshop)
        .tag('enterprise', meta.enterpriseId)
        .tag('workshop', r.workshopId)
        .tag('gateway', meta.gatewayId)
        .intField('seq', meta.seq)
        .intField('received_at', meta.receivedAt)
        .timestamp(time);
      if (r.headcount !== undefined) {
        const h = r.headcount;
        if (h?.total === null || h === null) p.booleanField('headcount_unknown', true);
        else p.intField('headcount', h.total);
        if (h?.byLine) p.stringField('by_line', JSON.stringify(h.byLine));
        if (h?.persons) p.stringField('persons', JSON.stringify(h.persons));
        for (const [line, n] of Object.entries(h?.byLine ?? {})) {
          push(
            new Point(MEASUREMENT.workshopLine)
              .tag('enterprise', meta.enterpriseId)
              .tag('workshop', r.workshopId)
              .tag('line', line)
              .tag('gateway', meta.gatewayId)
              .intField('headcount', n)
              .intField('seq', meta.seq)
              .timestamp(time),
          );
        }
      }
      if (r.materialKg === null) p.booleanField('material_unknown', true);
      else if (r.materialKg !== undefined) p.floatField('material_kg', r.materialKg);
      push(p);
    } else {
      const p = new Point(MEASUREMENT.production)
        .tag('enterprise', meta.enterpriseId)
        .tag('line', r.lineId)
        .tag('gateway', meta.gatewayId)
        .floatField('counter', r.production.counter)
        .intField('seq', meta.seq)
        .intField('received_at', meta.receivedAt)
        .timestamp(time);
      if (r.production.product !== undefined) p.tag('product', r.production.product);
      if (r.production.unit !== undefined) p.stringField('unit', r.production.unit);
      push(p);
    }
  });
  return { body: lines.join('\n'), points: lines.length };
}

type Row = Record<string, unknown>;

function rows(series: InfluxSeries): Row[] {
  return series.values.map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i] ?? null])));
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Readings back from `SELECT * FROM workshop|production` (epoch=ms), in the shape they were written. */
export function fromSeries(series: InfluxSeries): StoredReading[] {
  return rows(series).map((row) => {
    const ts = num(row.time) ?? 0;
    let reading: Reading;
    if (series.name === MEASUREMENT.workshop) {
      const r: Reading = { workshopId: str(row.workshop) ?? '', ts };
      const byLine = str(row.by_line);
      const persons = str(row.persons);
      if (num(row.headcount) !== undefined || row.headcount_unknown === true || byLine !== undefined || persons !== undefined) {
        r.headcount = {
          total: num(row.headcount) ?? null,
          ...(byLine !== undefined ? { byLine: JSON.parse(byLine) as Record<string, number> } : {}),
          ...(persons !== undefined ? { persons: JSON.parse(persons) as { id: string; since: number }[] } : {}),
        };
      }
      if (num(row.material_kg) !== undefined) r.materialKg = num(row.material_kg)!;
      else if (row.material_unknown === true) r.materialKg = null;
      reading = r;
    } else {
      const product = str(row.product);
      const unit = str(row.unit);
      reading = {
        lineId: str(row.line) ?? '',
        ts,
        production: { counter: num(row.counter) ?? 0, ...(product !== undefined ? { product } : {}), ...(unit !== undefined ? { unit } : {}) },
      };
    }
    return {
      enterpriseId: str(row.enterprise) ?? '',
      gatewayId: str(row.gateway) ?? '',
      seq: num(row.seq) ?? 0,
      receivedAt: num(row.received_at) ?? 0,
      reading,
    };
  });
}
