// A hand-written check of the common telemetry batch, for ingest's hot path: the zod schema
// (`TelemetryBatch` in protocols) costs several times the rest of validation per batch. It accepts
// only what the schema accepts, and returns the same value the schema would (a copy, keys in the
// schema's order, timestamps as epoch ms). Anything it is not sure of — every invalid input, and
// valid but rarer forms such as RFC 3339 timestamps — it leaves to the schema (`undefined`), which
// then decides and explains. server/test/fast-telemetry.test.ts holds the two against each other.
// The copy is kept on purpose, even where the parsed objects already have the schema's keys in its
// order: handing those back instead saved ~1.6 kB of allocation per batch, yet made ingest slower
// (scavenge time per batch up by a quarter, at saturation with the launcher's small young
// generation). The parsed objects then live on in the young generation until the batch is stored
// and applied, and every scavenge copies them; the copies, made at a few object literals, seem to be
// allocated straight into the old generation once V8 sees that they all survive.
import { ID_PATTERN, LIMITS, type Headcount, type LineReading, type Production, type Reading, type TelemetryBatch, type WorkshopReading } from '@hazwatch/protocols';

// Epoch milliseconds 2000-01-01 .. 2200-01-01, the range of protocols' `Timestamp` (the differential
// test pins the edges).
const MIN_MS = 946_684_800_000;
const MAX_MS = 7_258_118_400_000;
const KG_MAX = 1e9;
const COUNTER_MAX = 1e15;
const UNIT_MAX = 16;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is string {
  return typeof v === 'string' && ID_PATTERN.test(v);
}

function isEpochMs(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_MS && v <= MAX_MS;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= LIMITS.headcountMax;
}

/** True when every key of `o` is one of `allowed` (strict objects: an unknown key is an error). */
function onlyKeys(o: Obj, allowed: ReadonlySet<string>): boolean {
  // JSON.parse makes plain objects whose keys (`__proto__` too) are all own and enumerable.
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

const BATCH_KEYS = new Set(['v', 'gatewayId', 'seq', 'sentAt', 'readings']);
const WORKSHOP_KEYS = new Set(['workshopId', 'ts', 'headcount', 'materialKg']);
const HEADCOUNT_KEYS = new Set(['total', 'byLine', 'persons']);
const PERSON_KEYS = new Set(['id', 'since']);
const LINE_KEYS = new Set(['lineId', 'ts', 'production']);
const PRODUCTION_KEYS = new Set(['counter', 'unit', 'product']);

function headcount(h: unknown): Headcount | null | undefined {
  if (h === null) return null;
  if (!isObject(h) || !onlyKeys(h, HEADCOUNT_KEYS) || !('total' in h)) return undefined;
  const total = h.total;
  if (total !== null && !isCount(total)) return undefined;
  const out: Headcount = { total };
  if ('byLine' in h) {
    const b = h.byLine;
    if (!isObject(b)) return undefined;
    const byLine: Record<string, number> = {};
    let lines = 0;
    let sum = 0;
    for (const k in b) {
      const n = b[k];
      if (!isId(k) || !isCount(n)) return undefined;
      byLine[k] = n;
      sum += n;
      lines++;
    }
    if (lines > LIMITS.linesPerWorkshop) return undefined;
    // The schema's cross-field rule: the lines' split adds up to at most the total.
    if (total !== null && lines > 0 && sum > total) return undefined;
    out.byLine = byLine;
  }
  if ('persons' in h) {
    const p = h.persons;
    if (!Array.isArray(p) || p.length > LIMITS.personsPerWorkshop) return undefined;
    // `total` is everyone present: the persons listed are a subset, each listed once.
    if (total !== null && p.length > total) return undefined;
    const seen = new Set<string>();
    const persons: { id: string; since: number }[] = new Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const x: unknown = p[i];
      if (!isObject(x) || !onlyKeys(x, PERSON_KEYS) || !isId(x.id) || !isEpochMs(x.since) || seen.has(x.id)) return undefined;
      seen.add(x.id);
      persons[i] = { id: x.id, since: x.since };
    }
    out.persons = persons;
  }
  return out;
}

function reading(r: unknown): Reading | undefined {
  if (!isObject(r)) return undefined;
  // The schema picks the branch by the key present, workshop first.
  if ('workshopId' in r) {
    if (!onlyKeys(r, WORKSHOP_KEYS) || !isId(r.workshopId) || !isEpochMs(r.ts)) return undefined;
    const out: WorkshopReading = { workshopId: r.workshopId, ts: r.ts };
    if ('headcount' in r) {
      const h = headcount(r.headcount);
      if (h === undefined) return undefined;
      out.headcount = h;
    }
    if ('materialKg' in r) {
      const kg = r.materialKg;
      if (kg !== null && !(typeof kg === 'number' && kg >= 0 && kg <= KG_MAX)) return undefined;
      out.materialKg = kg;
    }
    return out;
  }
  if ('lineId' in r) {
    if (!onlyKeys(r, LINE_KEYS) || !isId(r.lineId) || !isEpochMs(r.ts)) return undefined;
    const p = r.production;
    if (!isObject(p) || !onlyKeys(p, PRODUCTION_KEYS)) return undefined;
    const counter = p.counter;
    if (!(typeof counter === 'number' && counter >= 0 && counter <= COUNTER_MAX)) return undefined;
    const production: Production = { counter };
    if ('unit' in p) {
      if (!(typeof p.unit === 'string' && p.unit.length >= 1 && p.unit.length <= UNIT_MAX)) return undefined;
      production.unit = p.unit;
    }
    if ('product' in p) {
      if (!isId(p.product)) return undefined;
      production.product = p.product;
    }
    const line: LineReading = { lineId: r.lineId, ts: r.ts, production };
    return line;
  }
  return undefined;
}

/**
 * The batch as `TelemetryBatch.parse` would return it, when `value` is a valid batch of the common
 * form; `undefined` otherwise (the caller asks the schema, which also says what is wrong).
 */
export function fastTelemetryBatch(value: unknown): TelemetryBatch | undefined {
  if (!isObject(value) || !onlyKeys(value, BATCH_KEYS)) return undefined;
  const { v, gatewayId, seq, sentAt, readings } = value;
  if (v !== 1 || !isId(gatewayId) || !isEpochMs(sentAt)) return undefined;
  if (!(typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 && seq <= Number.MAX_SAFE_INTEGER)) return undefined;
  if (!Array.isArray(readings) || readings.length > LIMITS.readingsPerBatch) return undefined;
  const out: Reading[] = new Array(readings.length);
  for (let i = 0; i < readings.length; i++) {
    const r = reading(readings[i]);
    if (r === undefined) return undefined;
    out[i] = r;
  }
  return { v: 1, gatewayId, seq, sentAt, readings: out };
}
