// Sends telemetry batches to the platform over MQTT (SPEC 2): QoS 1, each batch spooled to disk first
// and removed only on PUBACK, a retained `online` status on every connect, and a retained `offline`
// last will that the broker publishes if the agent vanishes without saying goodbye.
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topics, type GatewayStatus, type Reading, type TelemetryBatchInput } from '@hazwatch/protocols';
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
  /** `name/version`, reported in the status payload. */
  agent: string;
  spool: Spool;
  seq: SeqStore;
  logger: Logger;
  now?: () => number;
};

export type PublisherEvents = {
  connect: [];
  close: [];
  acked: [seq: number];
};

/** How long a stopping agent waits for the broker to acknowledge its goodbye and in-flight batches. */
const STOP_GRACE_MS = 3000;

export class Publisher extends EventEmitter<PublisherEvents> {
  private readonly opts: PublisherOptions;
  private readonly now: () => number;
  private readonly telemetryTopic: string;
  private readonly statusTopic: string;
  private client: MqttClient | null = null;
  /** Seqs handed to the MQTT client and not yet acknowledged: it resends them itself after a reconnect. */
  private readonly inFlight = new Set<number>();
  /** The newest seq handed to the MQTT client; spooled batches after it are still to send. */
  private cursor = 0;
  private stopping = false;
  private sentCount = 0;
  private ackedCount = 0;

  constructor(opts: PublisherOptions) {
    super();
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.telemetryTopic = topics.telemetry(opts.enterpriseId, opts.gatewayId);
    this.statusTopic = topics.status(opts.enterpriseId, opts.gatewayId);
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
      client.publish(this.statusTopic, this.statusPayload('online'), { qos: 1, retain: true });
      this.emit('connect');
      this.pump();
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
    const seq = this.opts.seq.take();
    const batch: TelemetryBatchInput = { v: 1, gatewayId: this.opts.gatewayId, seq, sentAt: this.now(), readings };
    this.opts.spool.append(seq, JSON.stringify(batch), (s) => !this.inFlight.has(s));
    this.pump();
    return seq;
  }

  /** Hands spooled batches to the client in seq order, keeping at most `inFlight` unacknowledged. */
  private pump(): void {
    const client = this.client;
    if (!client?.connected || this.stopping) return;
    const room = this.opts.inFlight - this.inFlight.size;
    if (room <= 0) return;
    for (const seq of this.opts.spool.after(this.cursor, room)) {
      this.cursor = seq;
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
      client.publish(this.telemetryTopic, payload, { qos: 1 }, (err) => this.settle(seq, err));
    }
  }

  private settle(seq: number, err: Error | undefined): void {
    this.inFlight.delete(seq);
    // An error means the client was ended before PUBACK: the batch stays on disk for the next start.
    if (err) return;
    this.ackedCount++;
    this.opts.spool.remove(seq);
    this.emit('acked', seq);
    this.pump();
  }

  /** Says goodbye (retained `offline`) when connected, waits briefly for acknowledgements, disconnects. */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client || this.stopping) return;
    this.stopping = true;
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
    const status: GatewayStatus = { v: 1, state, ts: this.now(), agent: this.opts.agent, buffered: this.opts.spool.size };
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
