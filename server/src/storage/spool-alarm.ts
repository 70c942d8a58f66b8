import { iso, type AlarmEventKind, type AlarmRecord } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { StoreHealth } from './telemetry-store.ts';

export type SpoolAlarmDeps = {
  health: () => StoreHealth;
  /** Fill (percent of capacity) at which the alarm is raised; it clears below half of it. */
  alarmPercent: number;
  /** The enterprises whose telemetry waits in the spool: all of the site's. */
  enterprises: () => string[];
  revision: () => number;
  /** Persists the events (alarm ledger), then announces them (dashboard, MQTT). */
  record: (events: { kind: AlarmEventKind; at: string; alarm: AlarmRecord }[]) => Promise<void>;
  /** Active spool alarms from before a restart, to carry on with instead of raising twice. */
  active: () => Promise<AlarmRecord[]>;
  newId: () => string;
  log: Logger;
  now?: () => number;
  intervalMs?: number;
};

/**
 * Raises a `spool-near-full` alarm (level alarm, one per enterprise, subject {}) when the spool in
 * front of InfluxDB passes `alarmPercent` of its bound, so that a long database outage is seen long
 * before the spool refuses batches (and gateways must hold them), never as a silent drop. It clears
 * once the spool has drained below half that level (hysteresis: no flapping around the threshold).
 */
export class SpoolAlarm {
  private readonly now: () => number;
  private open = new Map<string, AlarmRecord>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SpoolAlarmDeps) {
    this.now = deps.now ?? Date.now;
  }

  async start(): Promise<void> {
    for (const a of await this.deps.active()) if (a.type === 'spool-near-full') this.open.set(a.enterpriseId, a);
    const tick = () => {
      this.running = this.running.then(() => this.check()).catch((err: unknown) => this.deps.log.error({ err }, 'spool alarm check failed'));
      this.timer = setTimeout(tick, this.deps.intervalMs ?? 1000);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }

  private async check(): Promise<void> {
    const spool = this.deps.health().spool;
    if (!spool) return;
    const threshold = (spool.capacity * this.deps.alarmPercent) / 100;
    const at = iso(this.now());
    if (spool.depth >= threshold) {
      const raised = this.deps.enterprises().filter((e) => !this.open.has(e)).map((enterpriseId) => this.raise(enterpriseId, spool.depth, threshold, at));
      if (raised.length === 0) return;
      this.deps.log.error({ depth: spool.depth, capacity: spool.capacity }, 'the telemetry spool is nearing its bound: InfluxDB has not taken telemetry for a long time');
      await this.deps.record(raised.map((alarm) => ({ kind: 'raised' as const, at, alarm })));
      for (const a of raised) this.open.set(a.enterpriseId, a);
    } else if (spool.depth < threshold / 2 && this.open.size > 0) {
      const cleared = [...this.open.values()].map((a) => ({ ...a, clearedAt: at, clearReason: 'condition-ended' as const }));
      await this.deps.record(cleared.map((alarm) => ({ kind: 'cleared' as const, at, alarm })));
      this.open.clear();
      this.deps.log.info({ depth: spool.depth }, 'the telemetry spool has drained; spool alarm cleared');
    }
  }

  private raise(enterpriseId: string, depth: number, threshold: number, at: string): AlarmRecord {
    return {
      id: this.deps.newId(),
      type: 'spool-near-full',
      reason: null,
      level: 'alarm',
      enterpriseId,
      subject: {},
      value: depth,
      peak: depth,
      limit: Math.ceil(threshold),
      since: at,
      raisedAt: at,
      escalatedAt: null,
      clearedAt: null,
      clearReason: null,
      detectedAt: at,
      late: false,
      configRevision: this.deps.revision(),
    };
  }
}
