// 超产: day output per line, year output per enterprise and product, unlicensed products (SPEC 2, 4).
import { Scenario, ln, localDay, type BuiltScenario } from '../dsl.ts';
import { baseEnterprise, line, siteOf } from '../site.ts';

const CST = '+08:00';
const T = localDay('2026-03-02', CST);

export function productionScenarios(): BuiltScenario[] {
  return [resetAndCapacity(), baselineNotCounted(), unlicensed(), yearSeveralLines(), yearDirectAlarm(), yearRollover(), daySeveralProducts(), batchOutOfOrder(), lineTimingOverride(), openingBalanceLocalYear()];
}

// Increments: +29000, then a reset to 500 counts 500 (the new value), +10500 lands exactly on the
// 40000 design output (not over), +1 passes it. The day alarm clears 5 s after local midnight.
function resetAndCapacity(): BuiltScenario {
  return new Scenario(
    'production-counter-reset-and-capacity-boundary',
    "A counter that goes down was reset and its new value counts as output; a day's output exactly at the line's design capacity is not over it, one unit more is, until 5 s after local midnight.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ln('line-e1', 1000, { unit: 'kg' })])
    .tel(T('10:00:00'), 'gw-e', [ln('line-e1', 30000, { unit: 'kg' })])
    .tel(T('11:00:00'), 'gw-e', [ln('line-e1', 500, { unit: 'kg' })])
    .tel(T('12:00:00'), 'gw-e', [ln('line-e1', 11000, { unit: 'kg' })])
    .tel(T('13:00:00'), 'gw-e', [ln('line-e1', 11001, { unit: 'kg' })])
    .until('2026-03-03T00:10:00+08:00')
    .expect({
      type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: T('13:00:05'), clearedAt: '2026-03-03T00:00:05+08:00',
      value: 40001, limit: 40000,
    })
    .build();
}

// "The first reading of a counter sets its baseline: only increments after it count." Both counters
// start far above the day capacity and the annual licence; their small increments stay within both.
function baselineNotCounted(): BuiltScenario {
  return new Scenario(
    'production-baseline-not-counted',
    "The first reading of a production counter is only its baseline: totalisers already far above the day capacity and the licensed annual capacity raise nothing; only the increments after it count.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ln('line-e1', 5_000_000)])
    .tel(T('09:00:00'), 'gw-a', [ln('line-a1', 6_000_000)])
    .tel(T('10:00:00'), 'gw-e', [ln('line-e1', 5_010_000)])
    .tel(T('10:00:00'), 'gw-a', [ln('line-a1', 6_000_500)])
    .until(T('11:00:00'))
    .build();
}

// line-e1 also makes permissible explosive, which the licence does not list. The condition is about
// the latest reading of that counter: it increased (alarm), it did not (clears), it increased again.
// Its output still counts toward the line's day: 39000 + 50 + 1001 = 40051 > 40000.
function unlicensed(): BuiltScenario {
  const P = 'permissible-explosive';
  return new Scenario(
    'production-unlicensed-product',
    "Output of a product the licence does not list raises unlicensed over-production per line and product while the counter's latest reading increased it, and that output counts toward the line's day output.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ln('line-e1', 0), ln('line-e1', 100, { product: P, unit: 'kg' })])
    .tel(T('09:10:00'), 'gw-e', [ln('line-e1', 150, { product: P, unit: 'kg' })])
    .tel(T('09:20:00'), 'gw-e', [ln('line-e1', 150, { product: P, unit: 'kg' })])
    .tel(T('10:00:00'), 'gw-e', [ln('line-e1', 39000)])
    .tel(T('10:30:00'), 'gw-e', [ln('line-e1', 1151, { product: P, unit: 'kg' })])
    .until(T('11:00:00'))
    .expect({ type: 'over-production', reason: 'unlicensed', subject: { lineId: 'line-e1', product: P }, raisedAt: T('09:10:05'), clearedAt: T('09:20:05') })
    .expect({ type: 'over-production', reason: 'unlicensed', subject: { lineId: 'line-e1', product: P }, raisedAt: T('10:30:05'), clearedAt: null })
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: T('10:30:05'), clearedAt: null, value: 40051, limit: 40000 })
    .build();
}

// Year output of a product adds every line making it, on whichever gateway, plus the opening balance
// (the platform starts this year): 10000 + 45000 + 35001 = 90001 > warnAt 90000; +10000 more passes
// perYear 100000 and escalates the same record.
function yearSeveralLines(): BuiltScenario {
  const ent = baseEnterprise();
  ent.licence = { products: [{ product: 'emulsion-explosive', perYear: 100_000, unit: 'kg', warnAt: 90_000, openingBalance: 10_000 }, { product: 'electronic-detonator', perYear: 5_000_000, unit: 'pcs' }] };
  delete line(ent, 'line-e1').capacity;
  ent.lines!.push({ id: 'line-e2', name: '乳化炸药生产线2', kind: 'explosive', commissioned: '2022-01-01', newOrRebuilt: true, staffingLimit: 3, product: 'emulsion-explosive' });
  ent.gateways!.push({ id: 'gw-e2', workshops: [], lines: ['line-e2'] });
  return new Scenario(
    'production-year-several-lines',
    "A product's year output adds the opening balance and the increments of every line making it across gateways: past warnAt it warns, past the licensed perYear the same record escalates.",
    siteOf([ent]),
  )
    .tel(T('09:00:00'), 'gw-e', [ln('line-e1', 0)])
    .tel(T('09:00:00'), 'gw-e2', [ln('line-e2', 0)])
    .tel(T('10:00:00'), 'gw-e', [ln('line-e1', 45000)])
    .tel(T('11:00:00'), 'gw-e2', [ln('line-e2', 35001)])
    .tel(T('12:00:00'), 'gw-e2', [ln('line-e2', 45001)])
    .until(T('13:00:00'))
    .expect({
      type: 'over-production', reason: 'year', subject: { product: 'emulsion-explosive' }, raisedAt: T('11:00:05'), clearedAt: null,
      escalatedAt: T('12:00:05'), value: 90001,
    })
    .build();
}

// Two assembly lines together jump past warnAt and perYear at once: an alarm-level record from the start.
function yearDirectAlarm(): BuiltScenario {
  const ent = baseEnterprise();
  ent.licence = { products: [{ product: 'emulsion-explosive', perYear: 1_000_000, unit: 'kg' }, { product: 'electronic-detonator', perYear: 5_000_000, unit: 'pcs', warnAt: 4_900_000 }] };
  return new Scenario(
    'production-year-direct-alarm',
    'When the year output of a product passes its warning value and its licensed perYear at once, the year record is raised directly at alarm level (escalatedAt null) with the value and limit.',
    siteOf([ent]),
  )
    .tel(T('09:00:00'), 'gw-a', [ln('line-a1', 0), ln('line-a2', 0)])
    .tel(T('10:00:00'), 'gw-a', [ln('line-a1', 3_000_000)])
    .tel(T('11:00:00'), 'gw-a', [ln('line-a2', 2_000_001)])
    .until(T('12:00:00'))
    .expect({
      type: 'over-production', reason: 'year', subject: { product: 'electronic-detonator' }, raisedAt: T('11:00:05'), clearedAt: null,
      escalatedAt: null, value: 5_000_001, limit: 5_000_000,
    })
    .build();
}

// The platform starts on 31 December (local): the opening balance 940000 counts in 2026 only.
// 940000 + 20000 > 950000 warns; the year ends at local midnight (16:00 UTC) and the warning clears
// 5 s later. In 2027 only 2027's increments count: 15000, far from any limit (with the opening balance
// it would be 955000, over warnAt).
function yearRollover(): BuiltScenario {
  const ent = baseEnterprise();
  ent.licence = { products: [{ product: 'emulsion-explosive', perYear: 1_000_000, unit: 'kg', warnAt: 950_000, openingBalance: 940_000 }] };
  line(ent, 'line-e1').capacity = { perDay: 100_000, unit: 'kg' };
  const dec31 = localDay('2026-12-31', CST);
  const jan1 = localDay('2027-01-01', CST);
  return new Scenario(
    'production-year-rollover',
    'The year warning clears 5 s after local midnight on 1 January, and the opening balance counts only in the year the platform started, not in the next one.',
    siteOf([ent]),
  )
    .tel(dec31('22:00:00'), 'gw-e', [ln('line-e1', 0)])
    .tel(dec31('23:00:00'), 'gw-e', [ln('line-e1', 20_000)])
    .tel(jan1('01:00:00'), 'gw-e', [ln('line-e1', 35_000)])
    .until(jan1('02:00:00'))
    .expect({ type: 'over-production', reason: 'year', level: 'warning', subject: { product: 'emulsion-explosive' }, raisedAt: dec31('23:00:05'), clearedAt: jan1('00:00:05'), value: 960_000 })
    .build();
}

// "A line's day output counts every product on the line": each product has its own counter and
// baseline; 6000 electronic + 4001 nonel = 10001 > 10000.
function daySeveralProducts(): BuiltScenario {
  const ent = baseEnterprise();
  ent.licence!.products!.push({ product: 'nonel-detonator', perYear: 5_000_000, unit: 'pcs' });
  line(ent, 'line-a1').capacity = { perDay: 10_000, unit: 'pcs' };
  return new Scenario(
    'production-day-several-products',
    "A line's day output adds the increments of every product it makes, each counter with its own baseline.",
    siteOf([ent]),
  )
    .tel(T('09:00:00'), 'gw-a', [ln('line-a1', 1000), ln('line-a1', 50, { product: 'nonel-detonator', unit: 'pcs' })])
    .tel(T('10:00:00'), 'gw-a', [ln('line-a1', 7000)])
    .tel(T('11:00:00'), 'gw-a', [ln('line-a1', 4051, { product: 'nonel-detonator', unit: 'pcs' })])
    .until(T('12:00:00'))
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-a1' }, raisedAt: T('11:00:05'), clearedAt: null, value: 10_001, limit: 10_000 })
    .build();
}

// A batch listing a counter's readings newest first: in ts order the counter went 1000 → 1500 (+500)
// → 200 (a reset, +200), 700 in all against a capacity of 600. (In list order the 1500 would be stale
// and the day would count only 200.)
function batchOutOfOrder(): BuiltScenario {
  const ent = baseEnterprise();
  line(ent, 'line-e1').capacity = { perDay: 600, unit: 'kg' };
  return new Scenario(
    'production-batch-out-of-order',
    'Counter readings listed out of ts order inside one batch are applied in ts order, so a reset between them is seen and both increments count.',
    siteOf([ent]),
  )
    .tel(T('10:00:00'), 'gw-e', [ln('line-e1', 1000)])
    .tel(T('10:01:00'), 'gw-e', [ln('line-e1', 200, { ts: T('10:00:40') }), ln('line-e1', 1500, { ts: T('10:00:20') })])
    .until(T('10:02:00'))
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: T('10:00:45'), clearedAt: null, late: true, value: 700 })
    .build();
}

// The line's own timing overrides govern its day rule: raised 20 s after the excess, cleared 30 s
// after the day ends.
function lineTimingOverride(): BuiltScenario {
  const ent = baseEnterprise();
  Object.assign(line(ent, 'line-e1'), { raiseAfterSeconds: 20, clearAfterSeconds: 30 });
  return new Scenario(
    'production-day-line-timing-override',
    "A line overriding raiseAfterSeconds and clearAfterSeconds has its day over-production raised 20 s after the excess and cleared 30 s after local midnight.",
    siteOf([ent]),
  )
    .tel(T('22:00:00'), 'gw-e', [ln('line-e1', 0)])
    .tel(T('23:00:00'), 'gw-e', [ln('line-e1', 40_001)])
    .until('2026-03-03T00:01:00+08:00')
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: T('23:00:20'), clearedAt: '2026-03-03T00:00:30+08:00' })
    .build();
}

// The platform starts at 04:00 on 1 January 2027 in Shanghai, still 2026 in UTC: the local year 2027
// is the start year, so the opening balance counts in it. 940000 + 20000 = 960000 > warnAt 950000.
function openingBalanceLocalYear(): BuiltScenario {
  const ent = baseEnterprise();
  ent.licence = { products: [{ product: 'emulsion-explosive', perYear: 1_000_000, unit: 'kg', warnAt: 950_000, openingBalance: 940_000 }] };
  const jan1 = localDay('2027-01-01', CST);
  return new Scenario(
    'production-opening-balance-local-start-year',
    "The opening balance counts in the local year in which the platform starts, even when that instant is still the previous year in UTC.",
    siteOf([ent]),
  )
    .tel(jan1('04:00:00'), 'gw-e', [ln('line-e1', 0)])
    .tel(jan1('05:00:00'), 'gw-e', [ln('line-e1', 20_000)])
    .until(jan1('06:00:00'))
    .expect({ type: 'over-production', reason: 'year', level: 'warning', subject: { product: 'emulsion-explosive' }, raisedAt: jan1('05:00:05'), clearedAt: null, value: 960_000 })
    .build();
}
