import type { Reading } from '@hazwatch/protocols';

/** What identifies and dates one accepted telemetry batch. Times are epoch milliseconds. */
export type BatchMeta = {
  enterpriseId: string;
  gatewayId: string;
  seq: number;
  sentAt: number;
  /** Platform time the batch arrived. */
  receivedAt: number;
};

export type StoredReading = {
  enterpriseId: string;
  gatewayId: string;
  seq: number;
  receivedAt: number;
  /** As received, timestamps in epoch ms. A `headcount: null` comes back as `{ total: null }` (both: unknown). */
  reading: Reading;
};

export type ReadingQuery = {
  enterpriseId: string;
  workshopId?: string;
  lineId?: string;
  /** Inclusive, epoch ms of the reading's `ts`. */
  from?: number;
  /** Exclusive. */
  to?: number;
  /** Newest readings first when limited; default 1000. */
  limit?: number;
};

/**
 * Where telemetry lives (SQLite now; InfluxDB later behind the same interface). `write` is the
 * dedupe point: (enterprise, gateway, seq) is written at most once, and the mark and the readings
 * land together or not at all, so a redelivered batch is `duplicate` and never half-stored.
 */
export interface TelemetryStore {
  write(meta: BatchMeta, readings: readonly Reading[]): Promise<'stored' | 'duplicate'>;
  query(q: ReadingQuery): Promise<StoredReading[]>;
  close(): Promise<void>;
}
