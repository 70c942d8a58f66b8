import { describe, expect, it } from 'vitest';
import { Reading, SiteConfig, TelemetryBatch, isWorkshopReading, type SiteConfigInput, type WorkshopReading } from '@hazwatch/protocols';
import { SiteSimulator, type SimChange, type Violation } from '../src/index.ts';

// 2026-03-02 (a Monday) 09:00 in Shanghai.
const MONDAY_0900 = Date.parse('2026-03-02T09:00:00+08:00');

const siteInput: SiteConfigInput = {
  enterprises: [
    {
      id: 'ent-1',
      name: '测试民爆',
      region: '370306',
      licence: { products: [{ product: 'emulsion', perYear: 12_000_000, unit: 'kg' }] },
      lines: [
        { id: 'line-1', name: '乳化炸药生产线', kind: 'explosive', staffingLimit: 3, product: 'emulsion', capacity: { perDay: 40_000, unit: 'kg' } },
        { id: 'line-a', name: '装配线A', kind: 'detonator-assembly' },
        { id: 'line-b', name: '装配线B', kind: 'detonator-assembly' },
      ],
      workshops: [
        { id: 'ws-emulsify', name: '乳化工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2, quantityLimitKg: 500, quantityWarnKg: 450, maxDwellMinutes: 30 },
        { id: 'ws-pack', name: '装药包装工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2, quantityLimitKg: 800 },
        { id: 'tp-1', name: '中转站台', hazardClass: '1.1', kind: 'transfer-platform', lines: ['line-1'], staffingLimit: 1, quantityLimitKg: 200 },
        {
          id: 'ws-assembly', name: '装配工房', hazardClass: '1.1', lines: ['line-a', 'line-b'], staffingLimit: 6,
          lineStaffingLimits: { 'line-a': 3, 'line-b': 3 }, quantityLimitKg: 20,
          operatingHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:30' }],
        },
      ],
      gateways: [
        { id: 'gw-explosive', workshops: ['ws-emulsify', 'ws-pack', 'tp-1'], lines: ['line-1'] },
        { id: 'gw-assembly', workshops: ['ws-assembly'], lines: ['line-a', 'line-b'] },
      ],
    },
  ],
};
const site = SiteConfig.parse(siteInput);
const ent = site.enterprises[0]!;

function run(seed: number | string, start: number, seconds: number, everySeconds = 120) {
  const sim = new SiteSimulator({ site, seed, start, violations: { everySeconds } });
  const changes: SimChange[] = [...sim.snapshot()];
  for (let t = start; t <= start + seconds * 1000; t += 60_000) changes.push(...sim.advanceTo(t));
  return { sim, changes };
}

function violating(vs: readonly Violation[], workshopIds: string[], ts: number): boolean {
  return vs.some((v) => workshopIds.includes(v.workshopId) && ts >= v.from && ts < v.until);
}

describe('SiteSimulator', () => {
  it('replays identically for a seed and differently for another', () => {
    const a = run(42, MONDAY_0900, 3600);
    const b = run(42, MONDAY_0900, 3600);
    const c = run(43, MONDAY_0900, 3600);
    expect(a.changes.length).toBeGreaterThan(100);
    expect(JSON.stringify(a.changes)).toBe(JSON.stringify(b.changes));
    expect(a.sim.violations).toEqual(b.sim.violations);
    expect(JSON.stringify(c.changes)).not.toBe(JSON.stringify(a.changes));
  });

  it('stays within every limit outside its scripted violations, and sometimes sits exactly at 定员', () => {
    const { sim, changes } = run('limits', MONDAY_0900, 4 * 3600);
    const latest = new Map<string, WorkshopReading>();
    let full = 0;
    for (const { reading } of changes) {
      expect(Reading.safeParse(reading).success).toBe(true);
      if (!isWorkshopReading(reading)) continue;
      latest.set(reading.workshopId, reading);
      const w = ent.workshops.find((x) => x.id === reading.workshopId)!;
      const ts = reading.ts as number;
      const total = reading.headcount!.total!;
      if (!violating(sim.violations, [w.id], ts)) {
        expect(total, `${w.id} at ${ts}`).toBeLessThanOrEqual(w.staffingLimit!);
        if (total === w.staffingLimit) full++;
        expect(reading.materialKg!).toBeLessThanOrEqual(w.quantityWarnKg ?? w.quantityLimitKg!);
        for (const [line, limit] of Object.entries(w.lineStaffingLimits)) expect(reading.headcount!.byLine![line]).toBeLessThanOrEqual(limit);
        if (w.maxDwellMinutes) for (const p of reading.headcount!.persons!) expect(ts - (p.since as number)).toBeLessThan(w.maxDwellMinutes * 60_000);
      }
    }
    // line-1's three 1.1 workshops together hold at most its 3 operators, checked once each step is whole.
    const line1 = ['ws-emulsify', 'ws-pack', 'tp-1'];
    const state = new Map<string, number>();
    const steps = new Map<number, SimChange[]>();
    for (const c of changes) if (isWorkshopReading(c.reading)) steps.set(c.reading.ts as number, [...(steps.get(c.reading.ts as number) ?? []), c]);
    for (const [ts, step] of steps) {
      for (const { reading } of step) {
        const r = reading as WorkshopReading;
        state.set(r.workshopId, r.headcount?.byLine?.['line-1'] ?? 0);
      }
      if (!violating(sim.violations, line1, ts)) expect(line1.reduce((n, id) => n + (state.get(id) ?? 0), 0)).toBeLessThanOrEqual(3);
    }
    expect(full).toBeGreaterThan(0);
  });

  it('scripts violations about every everySeconds that hold 20–40 s above the limit, then returns to normal', () => {
    const { sim, changes } = run(7, MONDAY_0900, 1800, 120);
    const vs = sim.violations.filter((v) => v.until <= MONDAY_0900 + 1800 * 1000);
    expect(vs.length).toBeGreaterThanOrEqual(10);
    expect(vs.length).toBeLessThanOrEqual(20);
    expect(new Set(vs.map((v) => v.kind))).toEqual(new Set(['over-staffing', 'over-quantity']));
    for (const v of vs) {
      expect(v.until - v.from).toBeGreaterThanOrEqual(20_000);
      expect(v.until - v.from).toBeLessThanOrEqual(40_000);
      expect(v.value).toBeGreaterThan(v.limit);
      const own = changes.filter((c) => isWorkshopReading(c.reading) && c.reading.workshopId === v.workshopId).map((c) => c.reading as WorkshopReading);
      const start = own.find((r) => r.ts === v.from)!;
      const end = own.find((r) => r.ts === v.until)!;
      const measure = (r: WorkshopReading) => (v.kind === 'over-staffing' ? r.headcount!.total! : r.materialKg!);
      expect(measure(start)).toBe(v.value);
      expect(measure(end)).toBeLessThanOrEqual(v.limit);
      // Nothing of the workshop changes while the violation holds: it lasts long enough to alarm.
      expect(own.filter((r) => (r.ts as number) > v.from && (r.ts as number) < v.until)).toEqual([]);
    }
  });

  it('empties a workshop outside its operating hours', () => {
    // Monday 17:00 to 18:30 local: ws-assembly closes at 17:30.
    const { changes } = run(3, Date.parse('2026-03-02T17:00:00+08:00'), 5400, 0);
    const closing = Date.parse('2026-03-02T17:30:00+08:00');
    const after = changes.filter((c) => isWorkshopReading(c.reading) && c.reading.workshopId === 'ws-assembly' && (c.reading.ts as number) >= closing);
    expect(after.length).toBe(1);
    const r = after[0]!.reading as WorkshopReading;
    expect(r.ts).toBe(closing);
    expect(r.headcount!.total).toBe(0);
    expect(r.materialKg).toBe(0);
  });

  it('produces readings that make a valid telemetry batch per gateway, with a rising totaliser', () => {
    const { changes } = run(9, MONDAY_0900, 3600, 0);
    for (const gw of ['gw-explosive', 'gw-assembly']) {
      const readings = changes.filter((c) => c.gatewayId === gw).map((c) => c.reading);
      const batch = TelemetryBatch.safeParse({ v: 1, gatewayId: gw, seq: 1, sentAt: MONDAY_0900, readings: readings.slice(0, 1000) });
      expect(batch.success, JSON.stringify(batch.error?.issues)).toBe(true);
    }
    const counters = changes.flatMap((c) => ('lineId' in c.reading && c.reading.lineId === 'line-1' ? [c.reading.production.counter] : []));
    expect(counters.length).toBeGreaterThan(10);
    for (let i = 1; i < counters.length; i++) expect(counters[i]!).toBeGreaterThan(counters[i - 1]!);
    // 60 % of 40 t/day for an hour is 1 t: the totaliser moved by about that much.
    expect(counters.at(-1)! - counters[0]!).toBeGreaterThan(900);
    expect(counters.at(-1)! - counters[0]!).toBeLessThan(1100);
  });
});

describe('SiteSimulator door passes and breaks', () => {
  it('reports every entry and exit with its badge, consistent with the headcount', () => {
    const passes: { workshopId: string; badge: string; direction: string; ts: number }[] = [];
    const sim = new SiteSimulator({ site, seed: 'doors', start: MONDAY_0900, violations: { everySeconds: 0 }, onDoor: (p) => passes.push(p) });
    const inside = new Map<string, Set<string>>();
    for (const p of passes) (inside.get(p.workshopId) ?? inside.set(p.workshopId, new Set()).get(p.workshopId)!).add(p.badge);
    const changes = sim.advanceTo(MONDAY_0900 + 1800_000);
    for (const p of passes.filter((x) => x.ts > MONDAY_0900)) {
      const set = inside.get(p.workshopId) ?? inside.set(p.workshopId, new Set()).get(p.workshopId)!;
      if (p.direction === 'in') {
        expect(set.has(p.badge), `${p.badge} enters ${p.workshopId} twice`).toBe(false);
        set.add(p.badge);
      } else {
        expect(set.has(p.badge), `${p.badge} leaves ${p.workshopId} without entering`).toBe(true);
        set.delete(p.badge);
      }
    }
    expect(passes.length).toBeGreaterThan(50);
    for (const c of sim.snapshot()) {
      if (!isWorkshopReading(c.reading)) continue;
      expect(c.reading.headcount!.persons!.map((p) => p.id).sort()).toEqual([...(inside.get(c.reading.workshopId) ?? [])].sort());
    }
    expect(changes.length).toBeGreaterThan(0);
  });

  it('empties the workshops of people during a break and lets them back after it', () => {
    // 12:00–12:30 Shanghai on a Monday.
    const start = Date.parse('2026-03-02T11:50:00+08:00');
    const sim = new SiteSimulator({ site, seed: 'break', start, violations: { everySeconds: 0 }, breaks: [{ from: '12:00', to: '12:30' }] });
    sim.advanceTo(Date.parse('2026-03-02T12:10:00+08:00'));
    for (const c of sim.snapshot()) if (isWorkshopReading(c.reading)) expect(c.reading.headcount!.total).toBe(0);
    sim.advanceTo(Date.parse('2026-03-02T12:50:00+08:00'));
    const people = sim.snapshot().reduce((n, c) => n + (isWorkshopReading(c.reading) ? c.reading.headcount!.total! : 0), 0);
    expect(people).toBeGreaterThan(0);
    expect(() => new SiteSimulator({ site, seed: 1, start, breaks: [{ from: '12', to: '12:30' }] })).toThrow(/HH:MM/);
  });
});
