import { z } from 'zod';
import { REJECT_REASONS, type RejectReason } from './validate.ts';

/** GET /api/v1/ingest/stats. Counters since the process started. */
export const IngestStatsView = z.strictObject({
  batchesAccepted: z.number().int(),
  readingsAccepted: z.number().int(),
  duplicates: z.number().int(),
  statusAccepted: z.number().int(),
  /** Empty messages on a status topic: someone cleared a retained status; nothing to apply. */
  ignored: z.number().int(),
  rejectedTotal: z.number().int(),
  rejected: z.record(z.string(), z.number().int()),
  /** Batches that validated but could not be written; left unacknowledged for redelivery. */
  storeFailures: z.number().int(),
  /** Engine calls that threw; the input was stored, the live state may lag. */
  engineErrors: z.number().int(),
  lastAcceptedAt: z.string().nullable(),
});
export type IngestStatsView = z.infer<typeof IngestStatsView>;

export class IngestStats {
  batchesAccepted = 0;
  readingsAccepted = 0;
  duplicates = 0;
  statusAccepted = 0;
  ignored = 0;
  storeFailures = 0;
  lastAcceptedAt: number | null = null;
  readonly rejected: Record<RejectReason, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;

  reject(reason: RejectReason): void {
    this.rejected[reason]++;
  }

  view(engineErrors: number): IngestStatsView {
    return {
      batchesAccepted: this.batchesAccepted,
      readingsAccepted: this.readingsAccepted,
      duplicates: this.duplicates,
      statusAccepted: this.statusAccepted,
      ignored: this.ignored,
      rejectedTotal: Object.values(this.rejected).reduce((a, b) => a + b, 0),
      rejected: { ...this.rejected },
      storeFailures: this.storeFailures,
      engineErrors,
      lastAcceptedAt: this.lastAcceptedAt === null ? null : new Date(this.lastAcceptedAt).toISOString(),
    };
  }
}
