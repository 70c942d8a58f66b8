import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { InfluxTelemetryStore } from './influx-telemetry.ts';
import { SqliteTelemetryStore } from './sqlite-telemetry.ts';
import type { TelemetryStore } from './telemetry-store.ts';

const DAY_MS = 86_400_000;

/** The telemetry store HAZWATCH_STORE names, with the retention, dedupe and spool settings. */
export function openTelemetryStore(config: Pick<Config, 'store' | 'dataDir' | 'telemetry'>, deps: { log: Logger; now?: () => number }): TelemetryStore {
  const t = config.telemetry;
  const now = deps.now ?? Date.now;
  if (config.store.kind === 'sqlite') {
    return new SqliteTelemetryStore({ dataDir: config.dataDir, now, log: deps.log, dedupeRetentionMs: t.dedupeDays * DAY_MS, retentionMs: t.retentionDays * DAY_MS });
  }
  const s = config.store;
  return new InfluxTelemetryStore({
    target: {
      url: s.url,
      api: s.api,
      bucket: s.bucket,
      timeoutMs: t.timeoutMs,
      ...(s.org !== undefined ? { org: s.org } : {}),
      ...(s.token !== undefined ? { token: s.token } : {}),
    },
    dataDir: config.dataDir,
    log: deps.log,
    now,
    spoolCapacity: t.spoolMaxBatches,
    dedupeRetentionMs: t.dedupeDays * DAY_MS,
    retryMinMs: t.retryMinMs,
    retryMaxMs: t.retryMaxMs,
  });
}
