import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreHealth } from '../storage/telemetry-store.ts';
import { REJECT_REASONS, type RejectReason } from './validate.ts';

/**
 * The Prometheus metrics of ingestion and storage, in a registry of this server instance (tests run
 * several in one process). Rates ("readings per second") are `rate()` over the counters.
 */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly readings: Counter;
  readonly batches: Counter<'result'>;
  readonly rejected: Counter<'reason'>;
  readonly duplicates: Counter;
  readonly statuses: Counter;
  readonly storeFailures: Counter;
  /** Seconds the durable write of a batch took: that of its whole group (what the PUBACK waits for). */
  readonly writeSeconds: Histogram;
  /** Seconds per request to a remote database (InfluxDB), by outcome. */
  readonly remoteWriteSeconds: Histogram<'result'>;

  constructor(probe: { store: () => StoreHealth; brokerConnected: () => boolean; deadLetters: () => number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'hazwatch_' });
    this.readings = new Counter({ name: 'hazwatch_ingest_readings_total', help: 'Readings accepted and stored', registers });
    this.batches = new Counter({ name: 'hazwatch_ingest_batches_total', help: 'Telemetry batches by result (stored, duplicate)', labelNames: ['result'], registers });
    this.duplicates = new Counter({ name: 'hazwatch_ingest_dedupe_hits_total', help: 'Batches already stored (redeliveries), dropped by the dedupe window', registers });
    this.rejected = new Counter({ name: 'hazwatch_ingest_rejected_total', help: 'Messages refused, by reason', labelNames: ['reason'], registers });
    for (const r of REJECT_REASONS) this.rejected.inc({ reason: r }, 0);
    this.statuses = new Counter({ name: 'hazwatch_ingest_status_total', help: 'Gateway status messages accepted', registers });
    this.storeFailures = new Counter({ name: 'hazwatch_ingest_store_failures_total', help: 'Valid batches that could not be made durable (left unacknowledged)', registers });
    this.writeSeconds = new Histogram({
      name: 'hazwatch_store_write_seconds',
      help: 'Durable write of a batch (telemetry store or spool), seconds; batches written together in one transaction each count its time',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.remoteWriteSeconds = new Histogram({
      name: 'hazwatch_influx_write_seconds',
      help: 'One write request to InfluxDB, seconds, by result (ok, error)',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'hazwatch_spool_depth',
      help: 'Batches waiting in the local spool for the telemetry database',
      registers,
      collect() {
        this.set(probe.store().spool?.depth ?? 0);
      },
    });
    new Gauge({
      name: 'hazwatch_spool_capacity',
      help: 'Batches the local spool may hold before batches are refused',
      registers,
      collect() {
        this.set(probe.store().spool?.capacity ?? 0);
      },
    });
    new Gauge({
      name: 'hazwatch_store_writable',
      help: '1 when a batch received now would be made durable',
      registers,
      collect() {
        this.set(probe.store().writable ? 1 : 0);
      },
    });
    new Gauge({
      name: 'hazwatch_store_remote_reachable',
      help: '1 when the last write to the remote telemetry database succeeded (1 for SQLite)',
      registers,
      collect() {
        this.set(probe.store().remote?.reachable === false ? 0 : 1);
      },
    });
    new Gauge({
      name: 'hazwatch_broker_connected',
      help: '1 while the platform is connected to the MQTT broker',
      registers,
      collect() {
        this.set(probe.brokerConnected() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'hazwatch_dead_letters',
      help: 'Rejected messages kept for inspection',
      registers,
      collect() {
        this.set(probe.deadLetters());
      },
    });
  }

  reject(reason: RejectReason): void {
    this.rejected.inc({ reason });
  }
}
