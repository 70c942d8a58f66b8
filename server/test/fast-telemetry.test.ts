// The hand-written fast check of telemetry batches against the zod schema it stands in for: whatever
// it accepts, the schema accepts with exactly the same result (values and key order); whatever the
// schema refuses, it leaves to the schema. Random valid batches, each with random damage, with their
// keys in the schema's order or in any other, plus the bad-payload corpus.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { TelemetryBatch } from '@hazwatch/protocols';
import { describe, expect, it } from 'vitest';
import { fastTelemetryBatch } from '../src/ingest/fast-telemetry.ts';
import { MAX_MS, MIN_MS, epochMs, id, readingArbitraries } from './arbitraries.ts';


/** The fast path agrees with the schema: undecided, or the same accepted value. */
function agrees(value: unknown): { fast: boolean; zod: boolean } {
  const fast = fastTelemetryBatch(value);
  const zod = TelemetryBatch.safeParse(value);
  if (fast !== undefined) {
    expect(zod.success, JSON.stringify(value)).toBe(true);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
    expect(fast).toStrictEqual(zod.data);
  }
  return { fast: fast !== undefined, zod: zod.success };
}

const { workshop: workshopReading, line: lineReading } = readingArbitraries();
const batch = fc.record({
  v: fc.constant(1),
  gatewayId: id,
  seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  sentAt: epochMs,
  readings: fc.array(fc.oneof(workshopReading, lineReading), { maxLength: 6 }),
});

/** Values that are wrong (or right in another form) almost anywhere. */
const odd = fc.constantFrom<unknown>(
  -1, -0, 0, 0.5, 1, 2, 3, 1e9, 1e9 + 1, 1e15, 1e15 + 2, 1e16, 10_000, 10_001, MIN_MS - 1, MIN_MS, MAX_MS, MAX_MS + 1, 1_772_323_205, 1_772_323_205_000.5,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Infinity, -Infinity, NaN, null, true, '', 'x', '1', '-a', '_a', 'a'.repeat(65), 'kg',
  '2026-03-02T09:00:00+08:00', '2026-02-30T09:00:00Z', [], [1], {}, { total: 1 }, { total: null }, { counter: 1 }, { id: 'E1', since: MIN_MS },
);

type Path = (string | number)[];

function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

/** A deep copy of `v` with the value at `path` replaced, deleted, or given an extra key beside it. */
function damage(v: unknown, path: Path, how: 'replace' | 'delete' | 'extra' | 'dup', by: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(v)) as unknown;
  if (path.length === 0) return how === 'replace' ? by : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (how === 'replace') parent[last] = by;
  else if (how === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (how === 'extra') {
    if (Array.isArray(parent)) parent.push(by);
    else parent[`${String(last)}X`] = by;
  } else if (Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(parent[last] ?? null)));
  return copy;
}

/** A deep copy of `v` with the keys of its objects in another order, the `n`th permutation of each. */
function reorder(v: unknown, n: number): unknown {
  if (Array.isArray(v)) return v.map((x, i) => reorder(x, n + i));
  if (!v || typeof v !== 'object') return v;
  const entries = Object.entries(v);
  const out: [string, unknown][] = [];
  let k = n;
  while (entries.length > 0) {
    out.push(entries.splice(k % entries.length, 1)[0]!);
    k = Math.floor(k / 2) + 1;
  }
  return JSON.parse(JSON.stringify(Object.fromEntries(out.map(([key, x]) => [key, reorder(x, n + key.length)])))) as unknown;
}

/** Whether every object in `v` has its keys in the order of `like` (the schema's output). */
function sameKeyOrder(v: unknown, like: unknown): boolean {
  if (Array.isArray(v)) return Array.isArray(like) && v.every((x, i) => sameKeyOrder(x, like[i]));
  if (!v || typeof v !== 'object') return true;
  const keys = Object.keys(v);
  return JSON.stringify(keys) === JSON.stringify(Object.keys(like as object)) && keys.every((k) => sameKeyOrder((v as Record<string, unknown>)[k], (like as Record<string, unknown>)[k]));
}

describe('fast telemetry check', () => {
  it('accepts every valid batch of the common form, with the value the schema returns', () => {
    let accepted = 0;
    fc.assert(
      fc.property(batch, (b) => {
        const r = agrees(JSON.parse(JSON.stringify(b)));
        if (r.zod) expect(r.fast).toBe(true);
        if (r.fast) accepted++;
      }),
      { numRuns: 2000 },
    );
    // Most generated batches are valid (some split byLine beyond their total): not vacuous either.
    expect(accepted).toBeGreaterThan(1000);
  });

  it('returns the keys in the schema\'s order whatever order they came in', () => {
    let reordered = 0;
    fc.assert(
      fc.property(batch, fc.nat(), (b, n) => {
        const value = reorder(b, n);
        // `agrees` compares the JSON texts: the keys came out in the schema's order.
        const r = agrees(value);
        if (r.zod) expect(r.fast).toBe(true);
        if (r.fast && !sameKeyOrder(value, TelemetryBatch.parse(value))) reordered++;
      }),
      { numRuns: 2000 },
    );
    // Most inputs had some keys out of the schema's order: not vacuous.
    expect(reordered).toBeGreaterThan(500);
  });

  it('never accepts what the schema refuses, whatever is damaged', () => {
    let refused = 0;
    fc.assert(
      fc.property(batch, fc.nat(), fc.constantFrom('replace', 'delete', 'extra', 'dup') as fc.Arbitrary<'replace' | 'delete' | 'extra' | 'dup'>, odd, fc.boolean(), (b, pick, how, by, shuffled) => {
        const all = paths(b);
        const damaged = damage(b, all[pick % all.length]!, how, by);
        const r = agrees(shuffled ? reorder(damaged, pick) : damaged);
        if (!r.zod) refused++;
      }),
      { numRuns: 20_000 },
    );
    // The damage mostly makes batches invalid: the property is not vacuous.
    expect(refused).toBeGreaterThan(5000);
  });

  it('leaves RFC 3339 times, `__proto__` keys and cross-field conflicts to the schema', () => {
    const ok = { v: 1, gatewayId: 'gw-1', seq: 1, sentAt: MIN_MS, readings: [{ workshopId: 'ws-a', ts: MIN_MS, headcount: { total: 2, byLine: { 'line-1': 2 } } }] };
    expect(agrees(ok)).toEqual({ fast: true, zod: true });
    expect(agrees({ ...ok, sentAt: '2026-03-02T09:00:00+08:00' })).toEqual({ fast: false, zod: true });
    expect(agrees(JSON.parse('{"v":1,"gatewayId":"gw-1","seq":1,"sentAt":946684800000,"readings":[],"__proto__":{}}'))).toMatchObject({ fast: false });
    expect(agrees({ ...ok, readings: [{ workshopId: 'ws-a', ts: MIN_MS, headcount: { total: 1, byLine: { 'line-1': 2 } } }] })).toEqual({ fast: false, zod: false });
    expect(agrees({ ...ok, readings: [{ workshopId: 'ws-a', ts: MIN_MS, headcount: { total: 1, persons: [{ id: 'a', since: MIN_MS }, { id: 'b', since: MIN_MS }] } }] })).toEqual({ fast: false, zod: false });
    expect(agrees({ ...ok, readings: [{ workshopId: 'ws-a', ts: MIN_MS, headcount: { total: 3, persons: [{ id: 'a', since: MIN_MS }, { id: 'a', since: MIN_MS }] } }] })).toEqual({ fast: false, zod: false });
    expect(agrees({ ...ok, readings: [{ workshopId: 'ws-a', lineId: 'line-1', ts: MIN_MS }] })).toEqual({ fast: false, zod: false });
    expect(agrees({ ...ok, readings: Array.from({ length: 1001 }, () => ok.readings[0]) })).toEqual({ fast: false, zod: false });
  });

  it('agrees with the schema on the bad-payload corpus', () => {
    const corpus = JSON.parse(readFileSync(new URL('./fixtures/bad-payloads.json', import.meta.url), 'utf8')) as { cases: { json?: unknown; text?: string }[] };
    const now = Date.now();
    // The corpus's placeholders (see its "about").
    const fill = (v: unknown): unknown => {
      if (typeof v === 'string') return v === '@seq' ? 1 : v === '@now' ? now : v === '@nowSeconds' ? Math.floor(now / 1000) : v;
      if (Array.isArray(v)) return v.map(fill);
      if (!v || typeof v !== 'object') return v;
      const o = v as Record<string, unknown>;
      if ('@repeat' in o) return Array.from({ length: o['@repeat'] as number }, () => fill(o.item));
      if ('@persons' in o) return Array.from({ length: o['@persons'] as number }, (_, i) => ({ id: `P${i}`, since: now }));
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fill(x)]));
    };
    let checked = 0;
    for (const c of corpus.cases) {
      let value: unknown;
      try {
        value = c.json !== undefined ? JSON.parse(JSON.stringify(fill(c.json))) : JSON.parse(c.text ?? '');
      } catch {
        continue;
      }
      agrees(value);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });
});
