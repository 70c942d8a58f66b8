import { z } from 'zod';
import { Id } from './ids.ts';
import { ClockTime, LocalDate, TimeZone } from './time.ts';

/** Timing knobs: SPEC 3 `defaults`, each overridable on a line or a workshop. */
const timingShape = {
  raiseAfterSeconds: z.number().min(0).max(86_400).optional(),
  clearAfterSeconds: z.number().min(0).max(86_400).optional(),
  offlineAfterSeconds: z.number().positive().max(30 * 86_400).optional(),
};
export const Defaults = z.strictObject({
  raiseAfterSeconds: z.number().min(0).max(86_400).default(5),
  clearAfterSeconds: z.number().min(0).max(86_400).default(5),
  offlineAfterSeconds: z.number().positive().max(30 * 86_400).default(60),
});
export type Defaults = z.output<typeof Defaults>;

const positiveInt = z.number().int({ message: 'must be a whole number' }).positive({ message: 'must be positive' });
const positive = z.number().positive({ message: 'must be positive' });

export const DayOfWeek = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type DayOfWeek = z.infer<typeof DayOfWeek>;

export const OperatingWindow = z.strictObject({
  days: z.array(DayOfWeek).min(1),
  /** Inclusive. */
  from: ClockTime,
  /** Exclusive; not after `from` means the window runs past midnight. */
  to: ClockTime,
});
export type OperatingWindow = z.output<typeof OperatingWindow>;

export const HazardClass = z.enum(['1.1', '1.2', '1.3', '1.4']);
export const WorkshopKind = z.enum(['workshop', 'transfer-platform', 'storage']);
export const LineKind = z.enum(['explosive', 'detonator-loading', 'detonator-assembly', 'other']);

export const Workshop = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  hazardClass: HazardClass,
  kind: WorkshopKind.default('workshop'),
  lines: z.array(Id).default([]),
  /** 定员: persons allowed inside at once. */
  staffingLimit: positiveInt.optional(),
  /** Per line, for workshops shared by several lines. */
  lineStaffingLimits: z.record(Id, positiveInt).default({}),
  /** 定量: explosive allowed inside, kg TNT equivalent. */
  quantityLimitKg: positive.optional(),
  /** 预警: the pre-alarm level, below the limit. */
  quantityWarnKg: positive.optional(),
  operatingHours: z.array(OperatingWindow).optional(),
  maxDwellMinutes: positive.optional(),
  ...timingShape,
});
export type Workshop = z.output<typeof Workshop>;

export const Line = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  kind: LineKind,
  commissioned: LocalDate.optional(),
  safetyEvaluation: LocalDate.optional(),
  newOrRebuilt: z.boolean().default(false),
  /** Persons across all of this line's 1.1 workshops together (transfer platforms included). */
  staffingLimit: positiveInt.optional(),
  product: Id.optional(),
  capacity: z.strictObject({ perDay: positive, unit: z.string().min(1).max(16) }).optional(),
  ...timingShape,
});
export type Line = z.output<typeof Line>;

export const LicensedProduct = z.strictObject({
  product: Id,
  perYear: positive,
  unit: z.string().min(1).max(16),
  warnAt: positive.optional(),
  /** Output already produced this (local) year before monitoring began. */
  openingBalance: z.number().min(0).default(0),
});
export type LicensedProduct = z.output<typeof LicensedProduct>;

export const CalendarException = z.strictObject({
  date: LocalDate,
  /** Absent: every workshop of the enterprise. */
  workshops: z.array(Id).optional(),
  from: ClockTime.optional(),
  to: ClockTime.optional(),
});
export type CalendarException = z.output<typeof CalendarException>;

export const Gateway = z.strictObject({
  id: Id,
  workshops: z.array(Id).default([]),
  lines: z.array(Id).default([]),
});
export type Gateway = z.output<typeof Gateway>;

export const Equipment = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  lineId: Id.optional(),
  workshopId: Id.optional(),
  installed: LocalDate,
  serviceLifeYears: positive,
  extensions: z.array(z.strictObject({ years: positive, approved: LocalDate })).default([]),
});
export type Equipment = z.output<typeof Equipment>;

export const Enterprise = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  /** Administrative division code (行政区划代码), for regulators' jurisdiction. */
  region: z.string().regex(/^\d{2,12}$/, { message: 'must be an administrative division code of digits, e.g. "370306"' }),
  timezone: TimeZone.default('Asia/Shanghai'),
  licence: z.strictObject({ products: z.array(LicensedProduct).default([]) }).optional(),
  calendar: z
    .strictObject({
      closed: z.array(LocalDate).default([]),
      exceptions: z.array(CalendarException).default([]),
    })
    .optional(),
  lines: z.array(Line).default([]),
  workshops: z.array(Workshop).default([]),
  gateways: z.array(Gateway).default([]),
  equipment: z.array(Equipment).default([]),
});
export type Enterprise = z.output<typeof Enterprise>;

export const SiteConfigShape = z.strictObject({
  regulation: z.string().min(1).max(64).default('miit-2024'),
  defaults: Defaults.default({ raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 60 }),
  enterprises: z.array(Enterprise).min(1, { message: 'must list at least one enterprise' }),
});

type Issue = { path: (string | number)[]; message: string };

/** Every cross-reference of SPEC 3, checked after the shape. */
export function crossReferenceIssues(site: z.output<typeof SiteConfigShape>): Issue[] {
  const issues: Issue[] = [];
  const dup = (ids: string[], base: (string | number)[], what: string) => {
    const seen = new Map<string, number>();
    ids.forEach((id, i) => {
      if (seen.has(id)) issues.push({ path: [...base, i, 'id'], message: `${what} id "${id}" is used twice (also at index ${seen.get(id)})` });
      else seen.set(id, i);
    });
  };
  dup(site.enterprises.map((e) => e.id), ['enterprises'], 'enterprise');
  site.enterprises.forEach((e, ei) => {
    const at = (...p: (string | number)[]) => ['enterprises', ei, ...p];
    dup(e.lines.map((l) => l.id), at('lines'), 'line');
    dup(e.workshops.map((w) => w.id), at('workshops'), 'workshop');
    dup(e.gateways.map((g) => g.id), at('gateways'), 'gateway');
    dup(e.equipment.map((q) => q.id), at('equipment'), 'equipment');
    const lineIds = new Set(e.lines.map((l) => l.id));
    const wsIds = new Set(e.workshops.map((w) => w.id));
    e.workshops.forEach((w, wi) => {
      w.lines.forEach((l, li) => {
        if (!lineIds.has(l)) issues.push({ path: at('workshops', wi, 'lines', li), message: `names line "${l}", which enterprise ${e.id} does not have` });
      });
      for (const l of Object.keys(w.lineStaffingLimits)) {
        if (!w.lines.includes(l)) issues.push({ path: at('workshops', wi, 'lineStaffingLimits', l), message: `sets a limit for line "${l}", which workshop ${w.id} does not serve` });
      }
      if (w.quantityWarnKg !== undefined && w.quantityLimitKg === undefined) {
        issues.push({ path: at('workshops', wi, 'quantityWarnKg'), message: 'is set but quantityLimitKg is not' });
      }
      if (w.quantityWarnKg !== undefined && w.quantityLimitKg !== undefined && w.quantityWarnKg >= w.quantityLimitKg) {
        issues.push({ path: at('workshops', wi, 'quantityWarnKg'), message: `(${w.quantityWarnKg} kg) must be below quantityLimitKg (${w.quantityLimitKg} kg)` });
      }
      w.operatingHours?.forEach((win, oi) => {
        if (win.from === win.to) issues.push({ path: at('workshops', wi, 'operatingHours', oi), message: 'from and to are equal; write 00:00–24:00 for a whole day' });
      });
    });
    const boundTo = new Map<string, string>();
    e.gateways.forEach((g, gi) => {
      g.workshops.forEach((w, i) => {
        if (!wsIds.has(w)) issues.push({ path: at('gateways', gi, 'workshops', i), message: `binds workshop "${w}", which enterprise ${e.id} does not have` });
        else if (boundTo.has(w)) issues.push({ path: at('gateways', gi, 'workshops', i), message: `binds workshop "${w}", already bound to gateway ${boundTo.get(w)}` });
        else boundTo.set(w, g.id);
      });
      g.lines.forEach((l, i) => {
        if (!lineIds.has(l)) issues.push({ path: at('gateways', gi, 'lines', i), message: `binds line "${l}", which enterprise ${e.id} does not have` });
      });
    });
    e.licence && dup(e.licence.products.map((p) => p.product), at('licence', 'products'), 'licensed product');
    e.licence?.products.forEach((p, pi) => {
      if (p.warnAt !== undefined && p.warnAt >= p.perYear) issues.push({ path: at('licence', 'products', pi, 'warnAt'), message: `(${p.warnAt}) must be below perYear (${p.perYear})` });
    });
    e.calendar?.exceptions.forEach((x, xi) => {
      x.workshops?.forEach((w, i) => {
        if (!wsIds.has(w)) issues.push({ path: at('calendar', 'exceptions', xi, 'workshops', i), message: `names workshop "${w}", which enterprise ${e.id} does not have` });
      });
      if ((x.from === undefined) !== (x.to === undefined)) issues.push({ path: at('calendar', 'exceptions', xi), message: 'needs both from and to, or neither (the whole day)' });
    });
    e.equipment.forEach((q, qi) => {
      if (q.lineId !== undefined && !lineIds.has(q.lineId)) issues.push({ path: at('equipment', qi, 'lineId'), message: `names line "${q.lineId}", which enterprise ${e.id} does not have` });
      if (q.workshopId !== undefined && !wsIds.has(q.workshopId)) issues.push({ path: at('equipment', qi, 'workshopId'), message: `names workshop "${q.workshopId}", which enterprise ${e.id} does not have` });
    });
  });
  return issues;
}

export const SiteConfig = SiteConfigShape.superRefine((site, ctx) => {
  for (const i of crossReferenceIssues(site)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
});
export type SiteConfig = z.output<typeof SiteConfig>;
export type SiteConfigInput = z.input<typeof SiteConfig>;

export type Timing = { raiseAfterSeconds: number; clearAfterSeconds: number; offlineAfterSeconds: number };

/**
 * SPEC 3: any field of `defaults` may be overridden on a line or a workshop. The most specific wins:
 * workshop, then the line (the subject's own line, or the workshop's single line), then `defaults`.
 */
export function resolveTiming(defaults: Defaults, ...overrides: (Partial<Timing> | undefined)[]): Timing {
  const out: Timing = { ...defaults };
  for (const key of ['raiseAfterSeconds', 'clearAfterSeconds', 'offlineAfterSeconds'] as const) {
    for (const o of overrides) {
      const v = o?.[key];
      if (v !== undefined) {
        out[key] = v;
        break;
      }
    }
  }
  return out;
}
