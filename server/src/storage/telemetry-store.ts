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

/** One batch of a group handed to `writeMany`. */
export type BatchWrite = { meta: BatchMeta; readings: readonly Reading[] };

/**
 * What became of one batch of a `writeMany`: `stored`, a `duplicate`, or an Error when the store
 * refused that batch alone (a full spool): it is not durable and must not be acknowledged.
 */
export type WriteResult = 'stored' | 'duplicate' | Error;

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
  /** Only readings this gateway sent (e.g. the evidence of its offline alarm). */
  gatewayId?: string;
  /** Inclusive, epoch ms of the reading's `ts`. */
  from?: number;
  /** Exclusive. */
  to?: number;
  /** Newest readings first when limited; default 1000. */
  limit?: number;
};

/** The numeric values a series can be aggregated over. */
export const AGGREGATE_FIELDS = { workshop: ['headcount', 'materialKg'], line: ['counter'] } as const;
export type AggregateField = 'headcount' | 'materialKg' | 'counter';

export type AggregateQuery = {
  enterpriseId: string;
  /** Exactly one of workshopId and lineId. */
  workshopId?: string;
  lineId?: string;
  field: AggregateField;
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive. */
  to: number;
  /** Bucket width in ms; buckets start at multiples of it since the epoch (as InfluxQL's GROUP BY time). */
  intervalMs: number;
};

/**
 * One interval with at least one known value (unknown values — `null` readings — are left out, never
 * taken as 0). `last` is the value of the reading with the latest `ts` in the interval.
 */
export type AggregateBucket = { start: number; count: number; min: number; max: number; mean: number; last: number };

/** What readiness and /metrics report about a store. */
export type StoreHealth = {
  /** A batch handed to `write` now would be made durable. */
  writable: boolean;
  detail?: string;
  /** Stores with a durable local spool in front of a remote database. */
  spool?: { depth: number; capacity: number; oldestReceivedAt: number | null };
  /** The remote database, when there is one: did the last attempt reach it. */
  remote?: { reachable: boolean; lastError: string | null; lastSuccessAt: number | null };
};

/**
 * Where telemetry lives: SQLite (zero setup) or InfluxDB (behind a durable local spool), both passing
 * one contract suite (server/test/telemetry-contract.test.ts).
 *
 * `write` is the dedupe point: (enterprise, gateway, seq) is accepted at most once within the dedupe
 * window, and the mark and the readings become durable together or not at all. When it resolves the
 * batch survives a crash; only then may the broker get its PUBACK. A redelivered batch is `duplicate`.
 * It rejects when the batch cannot be made durable (the caller must then not acknowledge it).
 */
export interface TelemetryStore {
  write(meta: BatchMeta, readings: readonly Reading[]): Promise<'stored' | 'duplicate'>;
  /**
   * Several batches in arrival order (ingest's group commit), made durable together: one transaction,
   * one sync. When it resolves, every batch it reports `stored` or `duplicate` survives a crash; each
   * is deduped as by `write`, also against the batches before it in the same call. A batch refused
   * alone gets its Error and leaves the others unaffected. It rejects when nothing could be made
   * durable (the caller must then acknowledge none of them).
   */
  writeMany(batches: readonly BatchWrite[]): Promise<WriteResult[]>;
  /** Raw readings in `ts` order (oldest first), the newest `limit` of the range. */
  query(q: ReadingQuery): Promise<StoredReading[]>;
  /** Per-interval min / max / mean / last of one series, oldest interval first. */
  aggregate(q: AggregateQuery): Promise<AggregateBucket[]>;
  /**
   * Resolves once everything written so far is readable through `query` (a spool drained), or when
   * `timeoutMs` passes; resolves `true` when nothing is left pending.
   */
  flush(timeoutMs?: number): Promise<boolean>;
  health(): StoreHealth;
  /** Flushes what it can within a bounded time, then releases files and connections. */
  close(): Promise<void>;
}
