import { z } from 'zod';
import { Id } from './ids.ts';
import { Timestamp } from './time.ts';

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

export const Person = z.strictObject({ id: Id, since: Timestamp });
export type Person = z.output<typeof Person>;

export const Headcount = z
  .strictObject({
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
    if (h.total !== null && h.byLine) {
      const sum = Object.values(h.byLine).reduce((a, b) => a + b, 0);
      if (sum > h.total) {
        ctx.addIssue({ code: 'custom', path: ['byLine'], message: `adds up to ${sum}, more than total ${h.total}` });
      }
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

export const WorkshopReading = z.strictObject({
  workshopId: Id,
  ts: Timestamp,
  /** `null`: the headcount is unknown right now. */
  headcount: Headcount.nullable().optional(),
  /** Explosive present as TNT equivalent, kg; `null`: the scale cannot tell right now. */
  materialKg: Kg.nullable().optional(),
});
export type WorkshopReading = z.output<typeof WorkshopReading>;

export const Production = z.strictObject({
  /** Monotonic totaliser; a decrease means the PLC counter was reset. */
  counter: z.number().min(0, { message: 'must not be negative' }).max(1e15),
  unit: z.string().min(1).max(16).optional(),
  /** Defaults to the line's configured product. */
  product: Id.optional(),
});
export type Production = z.output<typeof Production>;

export const LineReading = z.strictObject({ lineId: Id, ts: Timestamp, production: Production });
export type LineReading = z.output<typeof LineReading>;

export const Reading = z.union([WorkshopReading, LineReading]);
export type Reading = z.output<typeof Reading>;

export function isWorkshopReading(r: Reading): r is WorkshopReading {
  return 'workshopId' in r;
}

export const TelemetryBatch = z.strictObject({
  v: z.literal(1),
  gatewayId: Id,
  /** Grows by one per batch and survives restarts: (enterprise, gateway, seq) identifies a batch. */
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  sentAt: Timestamp,
  readings: z.array(Reading).max(LIMITS.readingsPerBatch, { message: `must hold at most ${LIMITS.readingsPerBatch} readings` }),
});
export type TelemetryBatch = z.output<typeof TelemetryBatch>;
export type TelemetryBatchInput = z.input<typeof TelemetryBatch>;

export const GatewayStatus = z.strictObject({
  v: z.literal(1),
  state: z.enum(['online', 'offline']),
  ts: Timestamp,
  agent: z.string().max(128).optional(),
  buffered: z.number().int().min(0).optional(),
  /** Extension: batches the agent had to drop from a full spool (never silently). */
  dropped: z.number().int().min(0).optional(),
});
export type GatewayStatus = z.output<typeof GatewayStatus>;
