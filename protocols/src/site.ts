import { z } from 'zod';
import { Id } from './ids.ts';
import { ClockTime, LocalDate, TimeZone } from './time.ts';
import { strictObject } from './strict.ts';
import { EnterpriseAlerting, SiteAlerting } from './alerting.ts';

/** Timing knobs: SPEC 3 `defaults`, each overridable on a line or a workshop. */
const timingShape = {
  raiseAfterSeconds: z.number().min(0).max(86_400).optional(),
  clearAfterSeconds: z.number().min(0).max(86_400).optional(),
  offlineAfterSeconds: z.number().positive().max(30 * 86_400).optional(),
};
export const Defaults = strictObject({
  raiseAfterSeconds: z.number().min(0).max(86_400).default(5),
  clearAfterSeconds: z.number().min(0).max(86_400).default(5),
  offlineAfterSeconds: z.number().positive().max(30 * 86_400).default(60),
});
export type Defaults = z.output<typeof Defaults>;

const positiveInt = z.number().int({ message: 'must be a whole number' }).positive({ message: 'must be positive' });
const positive = z.number().positive({ message: 'must be positive' });

/** An enum whose message lists the allowed values and says what was written instead. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, hint?: (input: unknown) => string | undefined) {
  const list = values.map((v) => `"${v}"`).join(', ');
  return z.enum(values, {
    error: (iss) =>
      iss.input === undefined
        ? `is required (one of ${list})`
        : `must be one of ${list}, not ${JSON.stringify(iss.input)}${hint?.(iss.input) ?? ''}`,
  });
}

export const DayOfWeek = oneOf(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type DayOfWeek = z.infer<typeof DayOfWeek>;

export const OperatingWindow = strictObject({
  days: z.array(DayOfWeek).min(1, { message: 'must list at least one day (mon … sun)' }),
  /** Inclusive. */
  from: ClockTime,
  /** Exclusive; not after `from` means the window runs past midnight. */
  to: ClockTime,
});
export type OperatingWindow = z.output<typeof OperatingWindow>;

// YAML reads an unquoted 1.1 as a number: the commonest way to get the hazard class wrong.
export const HazardClass = oneOf(['1.1', '1.2', '1.3', '1.4'], (input) =>
  typeof input === 'number' ? ` (a number: quote it, hazardClass: "${input}")` : undefined,
);
export type HazardClass = z.infer<typeof HazardClass>;
export const WorkshopKind = oneOf(['workshop', 'transfer-platform', 'storage']);
export type WorkshopKind = z.infer<typeof WorkshopKind>;
export const LineKind = oneOf(['explosive', 'detonator-loading', 'detonator-assembly', 'other']);
export type LineKind = z.infer<typeof LineKind>;

export const Workshop = strictObject({
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

export const Line = strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  kind: LineKind,
  commissioned: LocalDate.optional(),
  safetyEvaluation: LocalDate.optional(),
  newOrRebuilt: z.boolean().default(false),
  /** Persons across all of this line's 1.1 workshops together (transfer platforms included). */
  staffingLimit: positiveInt.optional(),
  product: Id.optional(),
  capacity: strictObject({ perDay: positive, unit: z.string().min(1).max(16) }).optional(),
  ...timingShape,
});
export type Line = z.output<typeof Line>;

export const LicensedProduct = strictObject({
  product: Id,
  perYear: positive,
  unit: z.string().min(1).max(16),
  warnAt: positive.optional(),
  /** Output already produced this (local) year before monitoring began. */
  openingBalance: z.number().min(0).default(0),
});
export type LicensedProduct = z.output<typeof LicensedProduct>;

export const CalendarException = strictObject({
  date: LocalDate,
  /** Absent: every workshop of the enterprise. */
  workshops: z.array(Id).optional(),
  from: ClockTime.optional(),
  to: ClockTime.optional(),
});
export type CalendarException = z.output<typeof CalendarException>;

export const Gateway = strictObject({
  id: Id,
  workshops: z.array(Id).default([]),
  lines: z.array(Id).default([]),
});
export type Gateway = z.output<typeof Gateway>;

export const Equipment = strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  lineId: Id.optional(),
  workshopId: Id.optional(),
  installed: LocalDate,
  serviceLifeYears: positive,
  extensions: z.array(strictObject({ years: positive, approved: LocalDate })).default([]),
});
export type Equipment = z.output<typeof Equipment>;

export const Enterprise = strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  /** Administrative division code (行政区划代码), for regulators' jurisdiction. */
  region: z.string().regex(/^\d{2,12}$/, { message: 'must be an administrative division code of digits, e.g. "370306"' }),
  timezone: TimeZone.default('Asia/Shanghai'),
  licence: strictObject({ products: z.array(LicensedProduct).default([]) }).optional(),
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
  /** Optional: notification routes, escalation times and shelving rules (not part of SPEC 3's core). */
  alerting: EnterpriseAlerting.optional(),
});
export type Enterprise = z.output<typeof Enterprise>;

export const SiteConfigShape = strictObject({
  regulation: z.string().min(1).max(64).default('miit-2024'),
  defaults: Defaults.default({ raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 60 }),
  enterprises: z.array(Enterprise).min(1, { message: 'must list at least one enterprise' }),
  /** Optional: notification channels (secrets by environment variable name), retry policy, regulators. */
  alerting: SiteAlerting.optional(),
});

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
