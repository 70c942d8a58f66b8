// Sends telemetry batches to the platform over MQTT (SPEC 2): QoS 1, each batch spooled to disk first
// and removed only on PUBACK, a retained `online` status on every connect, and a retained `offline`
// last will that the broker publishes if the agent vanishes without saying goodbye. The same connection
// subscribes to the gateway's retained `config` topic (the limits for local alarms).
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topics, type GatewayStatus, type Reading, type TelemetryBatchInput } from '@hazwatch/protocols';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import type { SeqStore } from './seq-store.ts';
import type { Spool } from './spool.ts';

export type PublisherOptions = {
  enterpriseId: string;
  gatewayId: string;
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  keepaliveSeconds: number;
  reconnectSeconds: number;
  /** Batches handed to the MQTT client at once; the rest wait on disk, so memory stays bounded. */
  inFlight: number;
  /**
   * Most batches sent per second (on the agent's clock). After an outage the backlog goes out in seq
   * order at this rate, new batches queued behind it, so a site coming back does not flood the platform.
   */
  ratePerSecond: number;
  /** `name/version`, reported in the status payload. */
  agent: string;
  spool: Spool;
  seq: SeqStore;
  logger: Logger;
  clock?: Clock;
};

export type PublisherEvents = {
  connect: [];
  close: [];
  /** A batch handed to the MQTT connection, at `at` on the agent's clock. */
  sent: [seq: number, at: number];
  acked: [seq: number];
  /** A message on the gateway's `config` topic (not yet validated). */
  config: [payload: Buffer];
};

/** How long a stopping agent waits for the broker to acknowledge its goodbye and in-flight batches. */
const STOP_GRACE_MS = 3000;
/** While a backlog drains (or builds), a fresh `online` status says how much is left at most this often. */
export const BACKLOG_STATUS_MS = 30_000;

export class Publisher extends EventEmitter<PublisherEvents> {
  private readonly opts: PublisherOptions;
  private readonly clock: Clock;
  private readonly telemetryTopic: string;
  private readonly statusTopic: string;
  private readonly configTopic: string;
  private client: MqttClient | null = null;
  /** Seqs handed to the MQTT client and not yet acknowledged: it resends them itself after a reconnect. */
  private readonly inFlight = new Set<number>();
  /** The newest seq handed to the MQTT client; spooled batches after it are still to send. */
  private cursor = 0;
  private stopping = false;
  private sentCount = 0;
  private ackedCount = 0;
  /** Token bucket of the send rate: a tenth of a second's worth may go at once. */
  private tokens: number;
  private readonly burst: number;
  private refilledAt: number;
  private pumpTimer: TimerHandle | null = null;
  /** `buffered` as the last status said it, and when that status went (agent clock). */
  private reportedBuffered = 0;
  private reportedAt = -Infinity;

  constructor(opts: PublisherOptions) {
    super();
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.telemetryTopic = topics.telemetry(opts.enterpriseId, opts.gatewayId);
    this.statusTopic = topics.status(opts.enterpriseId, opts.gatewayId);
    this.configTopic = topics.config(opts.enterpriseId, opts.gatewayId);
    this.burst = Math.max(1, Math.ceil(opts.ratePerSecond / 10));
    this.tokens = this.burst;
    this.refilledAt = this.clock.now();
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get stats() {
    return { sent: this.sentCount, acked: this.ackedCount, buffered: this.opts.spool.size, dropped: this.opts.spool.dropped, nextSeq: this.opts.seq.next };
  }

  start(): void {
    if (this.client) return;
    const o = this.opts;
    const client = mqtt.connect(o.url, {
      clientId: o.clientId,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      keepalive: o.keepaliveSeconds,
      reconnectPeriod: o.reconnectSeconds * 1000,
      connectTimeout: 10_000,
      clean: true,
      will: { topic: this.statusTopic, payload: Buffer.from(this.statusPayload('offline')), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      o.logger.info({ url: o.url, buffered: o.spool.size }, 'connected to broker');
      this.sayOnline();
      // A clean session forgets subscriptions: subscribe on every connect; the broker then hands over
      // the retained config at once.
      client.subscribe(this.configTopic, { qos: 1 }, (err) => {
        if (err) o.logger.warn({ err: err.message, topic: this.configTopic }, 'cannot subscribe to the gateway config');
      });
      this.emit('connect');
      this.pump();
    });
    client.on('message', (topic, payload) => {
      if (topic === this.configTopic) this.emit('config', payload);
    });
    client.on('reconnect', () => {
      // The will goes out with the next CONNECT: give it a current time and spool size.
      if (client.options.will) client.options.will.payload = Buffer.from(this.statusPayload('offline'));
    });
    client.on('close', () => this.emit('close'));
    // One warning per outage: a gateway cut off for hours must not fill its disk with the same line.
    let warned = false;
    client.on('connect', () => (warned = false));
    client.on('error', (err) => {
      if (warned) o.logger.debug({ err: err.message, url: o.url }, 'broker still unreachable');
      else o.logger.warn({ err: err.message, url: o.url }, 'broker connection error; spooling and retrying');
      warned = true;
    });
  }

  /** Spools one batch under the next seq and sends it when the connection allows. Returns its seq. */
  publish(readings: Reading[]): number {
    const seq = this.opts.seq.next;
    const batch: TelemetryBatchInput = { v: 1, gatewayId: this.opts.gatewayId, seq, sentAt: this.clock.now(), readings };
    // The batch is on disk before seq.json moves past it, so a crash between the two leaves no gap in
    // the seqs: on restart the spool's newest batch sets the floor (see create.ts).
    this.opts.spool.append(seq, JSON.stringify(batch), (s) => !this.inFlight.has(s));
    this.opts.seq.advance(seq);
    this.pump();
    return seq;
  }

  /**
   * Hands spooled batches to the client in seq order, keeping at most `inFlight` unacknowledged and at
   * most `ratePerSecond` a second. Strict seq order matters beyond tidiness: the platform applies a
   * reading only when it is newer than the workshop's newest applied one (SPEC 4), so a new batch
   * overtaking the backlog would make the platform skip what happened during the outage.
   */
  private pump(): void {
    const client = this.client;
    if (!client?.connected || this.stopping) return;
    const room = this.opts.inFlight - this.inFlight.size;
    if (room <= 0) return;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.opts.ratePerSecond);
    this.refilledAt = now;
    const allowed = Math.min(room, Math.floor(this.tokens));
    const next = this.opts.spool.after(this.cursor, Math.max(1, allowed));
    if (next.length === 0) return;
    if (allowed < 1) {
      if (!this.pumpTimer) {
        const wait = ((1 - this.tokens) / this.opts.ratePerSecond) * 1000;
        this.pumpTimer = this.clock.timeout(() => {
          this.pumpTimer = null;
          this.pump();
        }, wait);
      }
      return;
    }
    for (const seq of next) {
      this.cursor = seq;
      this.tokens -= 1;
      let payload: string;
      try {
        payload = this.opts.spool.read(seq);
      } catch (err) {
        this.opts.logger.error({ seq, err: (err as Error).message }, 'spooled batch unreadable; dropped');
        this.opts.spool.remove(seq);
        continue;
      }
      this.inFlight.add(seq);
      this.sentCount++;
      this.emit('sent', seq, now);
      client.publish(this.telemetryTopic, payload, { qos: 1 }, (err) => this.settle(seq, err));
    }
    // More waiting and the bucket empty: come back when it has refilled (PUBACKs alone would not).
    if (this.opts.spool.after(this.cursor, 1).length > 0) {
      if (this.inFlight.size < this.opts.inFlight && !this.pumpTimer) {
        this.pumpTimer = this.clock.timeout(() => {
          this.pumpTimer = null;
          this.pump();
        }, (Math.max(0, 1 - this.tokens) / this.opts.ratePerSecond) * 1000);
      }
    }
  }

  private settle(seq: number, err: Error | undefined): void {
    this.inFlight.delete(seq);
    // An error means the client was ended before PUBACK: the batch stays on disk for the next start.
    if (err) return;
    this.ackedCount++;
    this.opts.spool.remove(seq);
    this.emit('acked', seq);
    this.reportBacklog();
    this.pump();
  }

  /** The retained `online` status, with the spool as it stands (the platform shows it: 待补传). */
  private sayOnline(): void {
    const client = this.client;
    if (!client?.connected) return;
    this.reportedBuffered = this.waiting();
    this.reportedAt = this.clock.now();
    client.publish(this.statusTopic, this.statusPayload('online'), { qos: 1, retain: true });
  }

  /**
   * Spooled batches not yet handed to the connection (status `buffered`): the backlog still to send.
   * Those in flight are not counted: on a slow link a few always are, and that is no backlog.
   */
  private waiting(): number {
    return Math.max(0, this.opts.spool.size - this.inFlight.size);
  }

  /**
   * A status only at connect would say a backlog of thousands long after it drained: while one
   * drains (or builds) the status is said again every BACKLOG_STATUS_MS, and once at once when none is
   * left to send. With every batch sent as it comes (any link that keeps up), nothing more is said.
   */
  private reportBacklog(): void {
    const waiting = this.waiting();
    if (waiting === this.reportedBuffered) return;
    if (waiting === 0) return this.sayOnline();
    if (this.clock.now() - this.reportedAt >= BACKLOG_STATUS_MS) this.sayOnline();
  }

  /** Says goodbye (retained `offline`) when connected, waits briefly for acknowledgements, disconnects. */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client || this.stopping) return;
    this.stopping = true;
    this.pumpTimer?.cancel();
    this.pumpTimer = null;
    if (client.connected) {
      await withTimeout(
        new Promise<void>((resolve) => client.publish(this.statusTopic, this.statusPayload('offline'), { qos: 1, retain: true }, () => resolve())),
        STOP_GRACE_MS,
      );
    }
    // A graceful end waits for in-flight PUBACKs; a dead broker must not hold the agent hostage.
    const ended = await withTimeout(new Promise<boolean>((resolve) => client.end(false, {}, () => resolve(true))), STOP_GRACE_MS);
    if (!ended) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    this.client = null;
  }

  private statusPayload(state: 'online' | 'offline'): string {
    const status: GatewayStatus = { v: 1, state, ts: this.clock.now(), agent: this.opts.agent, buffered: this.waiting() };
    if (this.opts.spool.dropped > 0) status.dropped = this.opts.spool.dropped;
    return JSON.stringify(status);
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
