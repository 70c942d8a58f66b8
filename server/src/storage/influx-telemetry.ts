import type { Reading } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import { describeError, InfluxHttp, isPermanentWriteError, quoteIdent, quoteString, type InfluxTarget } from './influx-http.ts';
import { FIELD, fromSeries, MEASUREMENT, writeLines } from './influx-layout.ts';
import { TelemetrySpool } from './spool.ts';
import type { AggregateBucket, AggregateQuery, BatchMeta, BatchWrite, ReadingQuery, StoreHealth, StoredReading, TelemetryStore, WriteResult } from './telemetry-store.ts';

const NEWLINE = Buffer.from('\n');

export type InfluxTelemetryOptions = {
  target: InfluxTarget;
  dataDir: string;
  log: Logger;
  /** Batches the local spool may hold before writes are refused. */
  spoolCapacity: number;
  dedupeRetentionMs?: number;
  /** Backoff after a failed write: doubles from min up to max (ms). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Points per InfluxDB write request (InfluxDB recommends 5000–10000). */
  maxPointsPerWrite?: number;
  /** How long `close` keeps draining the spool before leaving the rest on disk for the next start. */
  closeFlushMs?: number;
  now?: () => number;
};

/**
 * Telemetry in InfluxDB (1.x, 1.8+, 2.x, 3.x; see InfluxHttp). Every batch goes first to the durable
 * local spool (which is also the dedupe window), and `write` resolves once it is there: the PUBACK
 * never waits for InfluxDB, and InfluxDB being down loses nothing. One drain loop sends the spool in
 * order, up to `maxPointsPerWrite` points per request, retrying with exponential backoff; points are
 * idempotent (see influx-layout.ts), so a batch sent twice after a crash is stored once.
 */
export class InfluxTelemetryStore implements TelemetryStore {
  private readonly http: InfluxHttp;
  private readonly spool: TelemetrySpool;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly maxPoints: number;
  private readonly dedupeMs: number;
  private readonly closeFlushMs: number;
  private backoffMs = 0;
  private lastError: string | null = null;
  private lastSuccessAt: number | null = null;
  private reachable = true;
  private lastPrune = 0;
  private closing = false;
  private closed: Promise<void> | undefined;
  private wakeOnData: (() => void) | undefined;
  private wakeOnClose: (() => void) | undefined;
  private readonly drainWaiters = new Set<() => void>();
  private inflight: AbortController | undefined;
  private readonly loop: Promise<void>;
  /** Called after each drain attempt: writes and failures, for metrics. */
  onWrite?: (result: { ok: boolean; seconds: number; points: number }) => void;

  constructor(private readonly opts: InfluxTelemetryOptions) {
    this.http = new InfluxHttp(opts.target);
    this.maxPoints = opts.maxPointsPerWrite ?? 5000;
    // Rows no larger than a request: a request is whole rows, up to `maxPoints` points (a batch larger
    // than that alone).
    this.spool = new TelemetrySpool({ dataDir: opts.dataDir, capacity: opts.spoolCapacity, rowPoints: this.maxPoints });
    this.log = opts.log.child({ component: 'influxdb' });
    this.now = opts.now ?? Date.now;
    this.retryMinMs = opts.retryMinMs ?? 1000;
    this.retryMaxMs = opts.retryMaxMs ?? 60_000;
    this.dedupeMs = opts.dedupeRetentionMs ?? 30 * 86_400_000;
    this.closeFlushMs = opts.closeFlushMs ?? 5000;
    this.prune();
    if (this.spool.depth > 0) this.log.info({ depth: this.spool.depth }, 'draining telemetry spooled before the restart');
    this.loop = this.drainLoop();
  }

  async write(meta: BatchMeta, readings: readonly Reading[]): Promise<'stored' | 'duplicate'> {
    const fresh = this.spool.add({ meta, write: (out) => writeLines(out, meta, readings) });
    if (this.now() - this.lastPrune > 3_600_000) this.prune();
    if (fresh) this.wakeOnData?.();
    return fresh ? 'stored' : 'duplicate';
  }

  async writeMany(batches: readonly BatchWrite[]): Promise<WriteResult[]> {
    const added = this.spool.addMany(batches.map(({ meta, readings }) => ({ meta, write: (out) => writeLines(out, meta, readings) })));
    if (this.now() - this.lastPrune > 3_600_000) this.prune();
    if (added.includes(true)) this.wakeOnData?.();
    return added.map((a) => (a === true ? 'stored' : a === false ? 'duplicate' : a));
  }

  async query(q: ReadingQuery): Promise<StoredReading[]> {
    const limit = q.limit ?? 1000;
    const measurements = q.workshopId !== undefined ? [MEASUREMENT.workshop] : q.lineId !== undefined ? [MEASUREMENT.production] : [MEASUREMENT.workshop, MEASUREMENT.production];
    const statements = measurements.map(
      (m) => `SELECT * FROM ${quoteIdent(m)} WHERE ${this.where(q)} ORDER BY time DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    );
    const results = await this.http.query(statements.join('; '));
    const all = results.flat().flatMap(fromSeries);
    // Newest `limit` over both measurements, returned oldest first (as the SQLite store does).
    all.sort((a, b) => b.reading.ts - a.reading.ts || b.seq - a.seq);
    return all.slice(0, limit).reverse();
  }

  async aggregate(q: AggregateQuery): Promise<AggregateBucket[]> {
    const f = quoteIdent(FIELD[q.field]);
    const m = q.workshopId !== undefined ? MEASUREMENT.workshop : MEASUREMENT.production;
    const sql =
      `SELECT count(${f}) AS "count", min(${f}) AS "min", max(${f}) AS "max", mean(${f}) AS "mean", last(${f}) AS "last" ` +
      `FROM ${quoteIdent(m)} WHERE ${this.where(q)} GROUP BY time(${Math.floor(q.intervalMs)}ms) fill(none)`;
    const [series = []] = await this.http.query(sql);
    return series.flatMap((s) =>
      s.values.map((v) => {
        const row = Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) as Record<string, number>;
        return { start: row.time!, count: row.count!, min: row.min!, max: row.max!, mean: row.mean!, last: row.last! };
      }),
    );
  }

  async flush(timeoutMs = 10_000): Promise<boolean> {
    if (this.spool.depth === 0) return true;
    this.wakeOnData?.();
    return new Promise<boolean>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.drainWaiters.delete(done);
        resolve(this.spool.open && this.spool.depth === 0);
      };
      const timer = setTimeout(done, timeoutMs);
      this.drainWaiters.add(done);
    });
  }

  health(): StoreHealth {
    const open = this.spool.open && !this.closing;
    const depth = open ? this.spool.depth : 0;
    return {
      writable: open && depth < this.opts.spoolCapacity,
      ...(open && depth >= this.opts.spoolCapacity ? { detail: 'the spool is full: batches are refused until InfluxDB takes them' } : {}),
      spool: { depth, capacity: this.opts.spoolCapacity, oldestReceivedAt: open ? this.spool.oldestReceivedAt() : null },
      remote: { reachable: this.reachable, lastError: this.lastError, lastSuccessAt: this.lastSuccessAt },
    };
  }

  /** Batches InfluxDB refused for their content, kept aside in the spool file. */
  get failedBatches(): number {
    return this.spool.failedCount;
  }

  close(): Promise<void> {
    return (this.closed ??= (async () => {
      // One graceful path: drain what InfluxDB takes within closeFlushMs, keep the rest on disk.
      if (this.spool.depth > 0 && this.reachable) await this.flush(this.closeFlushMs);
      this.closing = true;
      this.inflight?.abort();
      this.wakeOnClose?.();
      await this.loop;
      if (this.spool.depth > 0) this.log.warn({ depth: this.spool.depth }, 'telemetry left in the spool; it is sent after the next start');
      this.spool.close();
    })());
  }

  private where(q: { enterpriseId: string; workshopId?: string; lineId?: string; gatewayId?: string; from?: number; to?: number }): string {
    const w = [`"enterprise" = ${quoteString(q.enterpriseId)}`];
    if (q.gatewayId !== undefined) w.push(`"gateway" = ${quoteString(q.gatewayId)}`);
    if (q.workshopId !== undefined) w.push(`"workshop" = ${quoteString(q.workshopId)}`);
    if (q.lineId !== undefined) w.push(`"line" = ${quoteString(q.lineId)}`);
    if (q.from !== undefined) w.push(`time >= ${Math.floor(q.from)}ms`);
    if (q.to !== undefined) w.push(`time < ${Math.floor(q.to)}ms`);
    return w.join(' AND ');
  }

  private prune(): void {
    this.lastPrune = this.now();
    this.spool.prune(this.lastPrune - this.dedupeMs);
  }

  /** Resolves after `ms`, or earlier on close, and on new data when `onData` (idle, not backing off). */
  private pause(ms: number, onData: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeOnData = undefined;
        this.wakeOnClose = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeOnClose = done;
      if (onData) this.wakeOnData = done;
    });
  }

  private notifyDrained(): void {
    if (this.spool.depth === 0) for (const w of [...this.drainWaiters]) w();
  }

  private async drainLoop(): Promise<void> {
    // After InfluxDB refused a multi-batch request for its content, the batches of the rows up to this
    // id go one by one: each such row is split into rows of one batch when it comes first in line.
    let isolateThrough = 0;
    let triedCreate = false;
    while (!this.closing) {
      const first = isolateThrough > 0 ? this.spool.first() : undefined;
      const single = first !== undefined && first.id <= isolateThrough;
      if (single && first.batches > 1) {
        this.spool.split(first.id);
        continue;
      }
      if (!single) isolateThrough = 0;
      const entries = single ? this.spool.peek(1, 1) : this.spool.peek(this.maxPoints);
      if (entries.length === 0) {
        this.notifyDrained();
        await this.pause(60_000, true);
        continue;
      }
      const points = entries.reduce((a, e) => a + e.points, 0);
      const started = performance.now();
      this.inflight = new AbortController();
      try {
        await this.http.write(entries.length === 1 ? entries[0]!.body : Buffer.concat(entries.flatMap((e, i) => (i === 0 ? [e.body] : [NEWLINE, e.body]))), this.inflight.signal);
        this.onWrite?.({ ok: true, seconds: (performance.now() - started) / 1000, points });
        this.spool.removeThrough(entries[entries.length - 1]!.id);
        if (!this.reachable) this.log.info({ left: this.spool.depth }, 'InfluxDB reachable again; draining the spool');
        this.reachable = true;
        this.lastError = null;
        this.lastSuccessAt = this.now();
        this.backoffMs = 0;
        this.notifyDrained();
      } catch (err) {
        this.onWrite?.({ ok: false, seconds: (performance.now() - started) / 1000, points });
        if (this.closing) break;
        const why = describeError(err);
        if (isPermanentWriteError(err)) {
          // InfluxDB refused the content. Find the batch at fault one at a time and set only it aside.
          if (entries.length > 1 || entries[0]!.batches > 1) {
            isolateThrough = entries[entries.length - 1]!.id;
            continue;
          }
          this.spool.fail(entries[0]!, why, this.now());
          this.log.error({ err: why, receivedAt: entries[0]!.receivedAt }, 'InfluxDB refused a spooled batch; kept aside in the spool file (table failed)');
          this.notifyDrained();
          continue;
        }
        if (!triedCreate && this.opts.target.api === 'v1' && /database not found/.test(why)) {
          triedCreate = true;
          try {
            await this.http.createDatabase();
            this.log.info({ bucket: this.opts.target.bucket }, 'created the InfluxDB database');
            continue;
          } catch (createErr) {
            this.log.warn({ err: describeError(createErr) }, 'cannot create the InfluxDB database');
          }
        }
        if (this.reachable) this.log.warn({ err: why, depth: this.spool.depth }, 'InfluxDB write failed; telemetry stays in the spool and is retried');
        this.reachable = false;
        this.lastError = why;
        this.backoffMs = this.backoffMs === 0 ? this.retryMinMs : Math.min(this.backoffMs * 2, this.retryMaxMs);
        await this.pause(this.backoffMs, false);
      } finally {
        this.inflight = undefined;
      }
    }
  }
}
