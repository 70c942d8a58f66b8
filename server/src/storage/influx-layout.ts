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
import { isWorkshopReading, type Reading } from '@hazwatch/protocols';
import type { InfluxSeries } from './influx-http.ts';
import { LineWriter } from './line-writer.ts';
import type { BatchMeta, StoredReading } from './telemetry-store.ts';

export const MEASUREMENT = { workshop: 'workshop', workshopLine: 'workshop_line', production: 'production' } as const;

/** The InfluxDB field behind each aggregatable value. */
export const FIELD = { headcount: 'headcount', materialKg: 'material_kg', counter: 'counter' } as const;

// Line protocol written by hand, as bytes: building `Point` objects of @influxdata/influxdb-client (a
// map of fields sorted at serialisation, an escaper per string) was ~8 % of the server at ingest
// saturation with the InfluxDB store, and building it as strings most of that path's garbage (see
// line-writer.ts). The output is byte for byte what `Point` writes (held against it by a property
// test): tags and fields in key order, measurement and keys plain (they are constants here).
const TAG_SPECIAL = /[, =\n\r\t]/;
const TAG_ESCAPES: Record<string, string> = { ',': '\\,', ' ': '\\ ', '=': '\\=', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** A tag value (or key). */
function tag(v: string): string {
  return TAG_SPECIAL.test(v) ? v.replace(/[, =\n\r\t]/g, (c) => TAG_ESCAPES[c]!) : v;
}
/** A string field value, quoted. */
function quoted(v: string): string {
  return `"${/["\\]/.test(v) ? v.replace(/["\\]/g, (c) => `\\${c}`) : v}"`;
}
/** An integer field value (the values here are validated whole numbers). */
const int = (v: number) => `${Math.floor(v)}i`;

const NL = 10;
const COMMA = 44;
const I = 105;
const HEADCOUNT = Buffer.from('headcount=');
const MATERIAL_KG = Buffer.from('material_kg=');

/**
 * `workshop,enterprise=…,gateway=…,workshop=… ` per enterprise, gateway and workshop: the same few
 * thousand strings, point after point. Bounded: emptied when it reaches `PREFIXES_MAX` (the workshops
 * of a province are ~10,000; a gateway naming workshops it does not have must not grow it for ever).
 */
const prefixes = new Map<string, Map<string, Map<string, Buffer>>>();
let prefixCount = 0;
const PREFIXES_MAX = 50_000;
function workshopPrefix(enterpriseId: string, gatewayId: string, workshopId: string): Buffer {
  let byGateway = prefixes.get(enterpriseId);
  if (byGateway === undefined) prefixes.set(enterpriseId, (byGateway = new Map()));
  let byWorkshop = byGateway.get(gatewayId);
  if (byWorkshop === undefined) byGateway.set(gatewayId, (byWorkshop = new Map()));
  let p = byWorkshop.get(workshopId);
  if (p === undefined) {
    if (prefixCount >= PREFIXES_MAX) {
      prefixes.clear();
      prefixCount = 0;
      return workshopPrefix(enterpriseId, gatewayId, workshopId);
    }
    p = Buffer.from(`${MEASUREMENT.workshop},enterprise=${tag(enterpriseId)},gateway=${tag(gatewayId)},workshop=${tag(workshopId)} `);
    byWorkshop.set(workshopId, p);
    prefixCount++;
  }
  return p;
}

/** A point's time: the reading's ms, then six digits of nanoseconds. */
function writeTime(out: LineWriter, ts: number, nanos: number): void {
  out.int(ts);
  if (nanos >= 0 && nanos < 1e6 && Number.isInteger(nanos)) out.digits(nanos, 6);
  else out.text(String(nanos).padStart(6, '0'));
}

/**
 * One batch as line protocol, one point per line, appended to `out` (no newline before the first line
 * or after the last). Returns the points written.
 */
export function writeLines(out: LineWriter, meta: BatchMeta, readings: readonly Reading[]): number {
  const e = tag(meta.enterpriseId);
  const g = tag(meta.gatewayId);
  const seq = int(meta.seq);
  // The fields every point of the batch ends with, and the space before its time.
  const batchFields = Buffer.from(`received_at=${int(meta.receivedAt)},seq=${seq} `);
  // Timestamps: the reading's ms, then six digits of nanoseconds, (seq mod 1000) * 1000 + (index mod 1000).
  const offset = (meta.seq % 1000) * 1000;
  let points = 0;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (points++ > 0) out.byte(NL);
    if (isWorkshopReading(r)) {
      const h = r.headcount;
      if (h?.byLine) {
        for (const [l, n] of Object.entries(h.byLine)) {
          out.text(`${MEASUREMENT.workshopLine},enterprise=${e},gateway=${g},line=${tag(l)},workshop=${tag(r.workshopId)} headcount=${int(n)},seq=${seq} `);
          writeTime(out, r.ts, offset + (i % 1000));
          out.byte(NL);
          points++;
        }
      }
      out.bytes(workshopPrefix(meta.enterpriseId, meta.gatewayId, r.workshopId));
      // Fields in key order: by_line, headcount, headcount_unknown, material_kg, material_unknown,
      // persons, received_at, seq.
      if (h !== undefined) {
        if (h?.byLine) out.text(`by_line=${quoted(JSON.stringify(h.byLine))},`);
        if (h === null || h.total === null) out.text('headcount_unknown=T,');
        else {
          out.bytes(HEADCOUNT);
          out.int(Math.floor(h.total));
          out.byte(I);
          out.byte(COMMA);
        }
      }
      if (r.materialKg === null) out.text('material_unknown=T,');
      else if (r.materialKg !== undefined) {
        out.bytes(MATERIAL_KG);
        out.text(String(r.materialKg));
        out.byte(COMMA);
      }
      if (h?.persons) out.text(`persons=${quoted(JSON.stringify(h.persons))},`);
      out.bytes(batchFields);
    } else {
      const p = r.production;
      // Tags in key order: enterprise, gateway, line, product; fields: counter, received_at, seq, unit.
      const product = p.product ? `,product=${tag(p.product)}` : '';
      const unit = p.unit !== undefined ? `,unit=${quoted(p.unit)}` : '';
      out.text(`${MEASUREMENT.production},enterprise=${e},gateway=${g},line=${tag(r.lineId)}${product} counter=${String(p.counter)},received_at=${int(meta.receivedAt)},seq=${seq}${unit} `);
    }
    writeTime(out, r.ts, offset + (i % 1000));
  }
  return points;
}

/** One batch as line protocol text (tests, benchmarks; the store writes bytes with `writeLines`). */
export function toLineProtocol(meta: BatchMeta, readings: readonly Reading[]): { body: string; points: number } {
  const out = new LineWriter(1024);
  const points = writeLines(out, meta, readings);
  return { body: out.toString(), points };
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
