import { z } from 'zod';
import { Id } from './ids.ts';
import { Timestamp } from './time.ts';
import { strictObject } from './strict.ts';

/** Bounds that keep one message from exhausting memory; generous against any real workshop. */
export const LIMITS = {
  readingsPerBatch: 1000,
  personsPerWorkshop: 1000,
  linesPerWorkshop: 64,
  headcountMax: 10_000,
  /** SPEC 2: a `ts` more than 5 minutes ahead of the platform clock is rejected. */
  futureSkewMs: 5 * 60_000,
} as const;

const Count = z
  .number()
  .int({ message: 'must be a whole number of persons' })
  .min(0, { message: 'must not be negative' })
  .max(LIMITS.headcountMax, { message: `must be at most ${LIMITS.headcountMax}` });

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= LIMITS.headcountMax;
}

export const Person = strictObject({ id: Id, since: Timestamp });
export type Person = z.output<typeof Person>;

export const Headcount = strictObject({
  /** Every person present; `null`: the door counter cannot tell right now (unknown, never 0). */
  total: Count.nullable(),
  /** Split by line, for workshops shared by several lines. */
  byLine: z
    .record(Id, Count)
    .refine((r) => Object.keys(r).length <= LIMITS.linesPerWorkshop, { message: 'has too many lines' })
    .optional(),
  /** Who is inside and since when, for dwell time. */
  persons: z.array(Person).max(LIMITS.personsPerWorkshop).optional(),
})
  .superRefine((h, ctx) => {
    // Cross-field checks only between values that are themselves valid: a negative total is its own
    // problem, not also a reason for byLine to be "more than total".
    const total = isCount(h.total) ? h.total : null;
    const byLine = h.byLine ? Object.values(h.byLine) : [];
    if (total !== null && byLine.length > 0 && byLine.every(isCount)) {
      const sum = byLine.reduce((a, b) => a + b, 0);
      if (sum > total) ctx.addIssue({ code: 'custom', path: ['byLine'], message: `adds up to ${sum}, more than total ${total}` });
    }
    if (h.persons && total !== null && h.persons.length > total) {
      // `total` is every person present (SPEC 2), so the persons listed are a subset of it.
      ctx.addIssue({ code: 'custom', path: ['persons'], message: `lists ${h.persons.length} persons, more than total ${total}` });
    }
    if (h.persons) {
      const seen = new Set<string>();
      for (const [i, p] of h.persons.entries()) {
        if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['persons', i, 'id'], message: `person ${p.id} is listed twice` });
        seen.add(p.id);
      }
    }
  });
export type Headcount = z.output<typeof Headcount>;

const Kg = z.number().min(0, { message: 'must not be negative' }).max(1e9, { message: 'is implausibly large' });

export const WorkshopReading = strictObject({
  workshopId: Id,
  ts: Timestamp,
  /** `null`: the headcount is unknown right now. */
  headcount: Headcount.nullable().optional(),
  /** Explosive present as TNT equivalent, kg; `null`: the scale cannot tell right now. */
  materialKg: Kg.nullable().optional(),
});
export type WorkshopReading = z.output<typeof WorkshopReading>;

export const Production = strictObject({
  /** Monotonic totaliser; a decrease means the PLC counter was reset. */
  counter: z.number().min(0, { message: 'must not be negative' }).max(1e15),
  unit: z.string().min(1).max(16).optional(),
  /** Defaults to the line's configured product. */
  product: Id.optional(),
});
export type Production = z.output<typeof Production>;

export const LineReading = strictObject({ lineId: Id, ts: Timestamp, production: Production });
export type LineReading = z.output<typeof LineReading>;

export type ReadingInput = z.input<typeof WorkshopReading> | z.input<typeof LineReading>;

/**
 * A workshop reading or a line reading. Not a plain `z.union`: when both alternatives fail, zod reports
 * both alternatives' complaints (or just "Invalid input"), and an engineer looking at a workshop reading
 * with a bad headcount would read that it lacks `production`. The key it carries says what it means to
 * be, and only that alternative's problems are reported, each with its path.
 */
export const Reading = z
  .unknown()
  .transform((v, ctx) => {
    const branch = readingBranch(v);
    if (!branch) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a workshop reading (with "workshopId") or a line reading (with "lineId")',
      });
      return z.NEVER;
    }
    const r = branch.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  }) as unknown as z.ZodType<WorkshopReading | LineReading, ReadingInput>;
export type Reading = z.output<typeof Reading>;

function readingBranch(v: unknown): typeof WorkshopReading | typeof LineReading | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  if ('workshopId' in v) return WorkshopReading;
  if ('lineId' in v) return LineReading;
  return undefined;
}

export function isWorkshopReading(r: Reading): r is WorkshopReading {
  return 'workshopId' in r;
}

export const TelemetryBatch = strictObject({
  v: z.literal(1),
  gatewayId: Id,
  /** Grows by one per batch and survives restarts: (enterprise, gateway, seq) identifies a batch. */
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  sentAt: Timestamp,
  readings: z.array(Reading).max(LIMITS.readingsPerBatch, { message: `must hold at most ${LIMITS.readingsPerBatch} readings` }),
});
export type TelemetryBatch = z.output<typeof TelemetryBatch>;
export type TelemetryBatchInput = z.input<typeof TelemetryBatch>;

export const GatewayStatus = strictObject({
  v: z.literal(1),
  state: z.enum(['online', 'offline']),
  ts: Timestamp,
  agent: z.string().max(128).optional(),
  buffered: z.number().int().min(0).optional(),
  /** Extension: batches the agent had to drop from a full spool (never silently). */
  dropped: z.number().int().min(0).optional(),
});
export type GatewayStatus = z.output<typeof GatewayStatus>;
