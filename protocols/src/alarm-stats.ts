import { z } from 'zod';

/**
 * The answer of `GET /api/v1/alarms/stats` (regulator and enterprise statistics): the one contract
 * the server's route validates and the dashboard's guard is typed against.
 */

/** A duration distribution in seconds; the statistics are null when there is nothing to measure. */
export const AlarmDurations = z.strictObject({
  count: z.number().int(),
  meanSeconds: z.number().nullable(),
  medianSeconds: z.number().nullable(),
  p90Seconds: z.number().nullable(),
  maxSeconds: z.number().nullable(),
});
export type AlarmDurations = z.infer<typeof AlarmDurations>;

const Counts = z.record(z.string(), z.number());

export const AlarmStatistics = z.strictObject({
  /** The range asked for (RFC 3339), null where open. */
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** Alarms raised in the range. */
  total: z.number().int(),
  byType: Counts,
  byEnterprise: Counts,
  /** By the local day (the enterprise's zone) each alarm was raised. */
  byDay: Counts,
  byLevel: Counts,
  /** From detection to acknowledgement, over the acknowledged alarms raised in the range. */
  timeToAcknowledge: AlarmDurations,
  /** From detection to closing (闭环), over the closed alarms raised in the range. */
  timeToClose: AlarmDurations,
  closed: z.number().int(),
  /** Minutes workshops' state could not be verified: gateway-offline time within the range, per enterprise. */
  unverifiableMinutes: z.strictObject({ total: z.number(), byEnterprise: Counts }),
});
export type AlarmStatistics = z.infer<typeof AlarmStatistics>;
