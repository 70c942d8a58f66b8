// The load generator: virtual gateways publishing telemetry batches over real MQTT at QoS 1, either as
// fast as PUBACKs come back (closed loop: capacity) or at a fixed rate (open loop: latency under load),
// always for a bounded duration. Credentials are passed in per gateway, so the same generator runs
// against a platform that authenticates gateways.
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@hazwatch/protocols';
import { createRng, type Rng } from '../prng.ts';
import { SYNTHETIC_QUANTITY_LIMIT_KG, SYNTHETIC_STAFFING_LIMIT } from './synthetic-site.ts';

export type LoadGateway = { enterpriseId: string; gatewayId: string; workshops: string[] };
export type Credentials = { username: string; password: string };

export type ConnectOptions = {
  url: string;
  gateways: LoadGateway[];
  /** A gateway's MQTT credentials; undefined: anonymous. */
  credentials?: (g: LoadGateway) => Credentials | undefined;
  /** Client ids are `${prefix}${enterpriseId}-${gatewayId}`. */
  clientIdPrefix?: string;
  /** First seq per gateway (a rerun against the same data dir must not look like duplicates). */
  firstSeq?: number;
  seed?: number | string;
};

type Conn = { g: LoadGateway; client: MqttClient; topic: string; seq: number; inFlight: number };

export type LoadRunOptions = {
  durationMs: number;
  /** Batches per second over all gateways; undefined: as fast as acknowledgements allow. */
  batchesPerSecond?: number;
  /** Unacknowledged batches per connection. */
  inFlight?: number;
  /** Called with each acknowledged batch (publish and PUBACK times, performance.now ms). */
  onAck?: (g: LoadGateway, seq: number, publishedAt: number, ackedAt: number) => void;
  /** Ends the run early (checked before each send). */
  stopWhen?: () => boolean;
};

export type LoadResult = {
  gateways: number;
  batches: number;
  acked: number;
  failed: number;
  readings: number;
  elapsedMs: number;
  batchesPerSecond: number;
  readingsPerSecond: number;
  /** Open loop only: batches the schedule wanted that no connection had room for. */
  behind: number;
  ackMs: { p50: number; p99: number; max: number };
};

export class LoadGenerator {
  private readonly conns: Conn[];
  private readonly rng: Rng;

  private constructor(conns: Conn[], seed: number | string) {
    this.conns = conns;
    this.rng = createRng(seed);
  }

  static async connect(opts: ConnectOptions): Promise<LoadGenerator> {
    const conns: Conn[] = [];
    try {
      // A few at a time: a thousand simultaneous CONNECTs measure the accept queue, not the platform.
      for (let i = 0; i < opts.gateways.length; i += 50) {
        const chunk = opts.gateways.slice(i, i + 50);
        conns.push(
          ...(await Promise.all(
            chunk.map(async (g) => {
              const client = await mqtt.connectAsync(opts.url, {
                clientId: `${opts.clientIdPrefix ?? 'load-'}${g.enterpriseId}-${g.gatewayId}`,
                reconnectPeriod: 0,
                connectTimeout: 10_000,
                ...opts.credentials?.(g),
              });
              return { g, client, topic: topics.telemetry(g.enterpriseId, g.gatewayId), seq: (opts.firstSeq ?? 1) - 1, inFlight: 0 };
            }),
          )),
        );
      }
    } catch (err) {
      await Promise.all(conns.map((c) => c.client.endAsync(true)));
      throw err;
    }
    return new LoadGenerator(conns, opts.seed ?? 'load');
  }

  get size(): number {
    return this.conns.length;
  }

  /** A batch of one gateway: every workshop's state now, inside every limit (a load, not a violation). */
  payload(c: Conn, ts: number): Buffer {
    c.seq++;
    const readings = c.g.workshops.map((workshopId) => ({
      workshopId, ts,
      headcount: { total: this.rng.int(0, SYNTHETIC_STAFFING_LIMIT) },
      materialKg: Math.round(this.rng.between(0, 0.8) * SYNTHETIC_QUANTITY_LIMIT_KG * 2) / 2,
    }));
    return Buffer.from(JSON.stringify({ v: 1, gatewayId: c.g.gatewayId, seq: c.seq, sentAt: ts, readings }));
  }

  async run(opts: LoadRunOptions): Promise<LoadResult> {
    const window = opts.inFlight ?? 8;
    const acks: number[] = [];
    let batches = 0;
    let acked = 0;
    let failed = 0;
    let readings = 0;
    let behind = 0;
    const t0 = performance.now();
    const deadline = t0 + opts.durationMs;
    const pending = new Set<Promise<void>>();

    const send = (c: Conn) => {
      const body = this.payload(c, Date.now());
      const seq = c.seq;
      const at = performance.now();
      c.inFlight++;
      batches++;
      const p = c.client.publishAsync(c.topic, body, { qos: 1 }).then(
        () => {
          const now = performance.now();
          acked++;
          readings += c.g.workshops.length;
          acks.push(now - at);
          opts.onAck?.(c.g, seq, at, now);
        },
        () => void failed++,
      );
      const tracked = p.finally(() => {
        c.inFlight--;
        pending.delete(tracked);
      });
      pending.add(tracked);
      return tracked;
    };

    if (opts.batchesPerSecond === undefined) {
      // Closed loop: each connection keeps its window full until the deadline.
      await Promise.all(
        this.conns.map(async (c) => {
          const loop = async (): Promise<void> => {
            while (performance.now() < deadline && c.client.connected && !opts.stopWhen?.()) await send(c);
          };
          await Promise.all(Array.from({ length: window }, loop));
        }),
      );
    } else {
      const rate = opts.batchesPerSecond;
      let next = 0;
      let issued = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const now = performance.now();
          if (now >= deadline || opts.stopWhen?.()) {
            clearInterval(timer);
            resolve();
            return;
          }
          const due = Math.floor(((now - t0) / 1000) * rate) - issued;
          for (let k = 0; k < due; k++) {
            issued++;
            // Round robin over the gateways, skipping full windows; nothing free: count it as behind.
            let sent = false;
            for (let tries = 0; tries < this.conns.length && !sent; tries++) {
              const c = this.conns[next]!;
              next = (next + 1) % this.conns.length;
              if (c.inFlight < window && c.client.connected) {
                void send(c);
                sent = true;
              }
            }
            if (!sent) behind++;
          }
        }, 2);
      });
    }
    // Outstanding acknowledgements are waited for, but no longer than the run itself took.
    await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, Math.max(1000, opts.durationMs)).unref())]);
    const elapsedMs = performance.now() - t0;
    acks.sort((a, b) => a - b);
    return {
      gateways: this.conns.length, batches, acked, failed, readings, behind,
      elapsedMs: Math.round(elapsedMs),
      batchesPerSecond: Math.round((acked / elapsedMs) * 1000),
      readingsPerSecond: Math.round((readings / elapsedMs) * 1000),
      ackMs: { p50: round2(quantile(acks, 0.5)), p99: round2(quantile(acks, 0.99)), max: round2(acks.at(-1) ?? 0) },
    };
  }

  /**
   * One batch from every gateway with the readings `build` gives (e.g. to stage violations), `chunk`
   * gateways at a time; resolves once every batch is acknowledged.
   */
  async publishEach(build: (g: LoadGateway, ts: number) => unknown[], chunk = 50): Promise<number> {
    let readings = 0;
    for (let i = 0; i < this.conns.length; i += chunk) {
      await Promise.all(
        this.conns.slice(i, i + chunk).map((c) => {
          const ts = Date.now();
          const rs = build(c.g, ts);
          readings += rs.length;
          c.seq++;
          return c.client.publishAsync(c.topic, JSON.stringify({ v: 1, gatewayId: c.g.gatewayId, seq: c.seq, sentAt: ts, readings: rs }), { qos: 1 });
        }),
      );
    }
    return readings;
  }

  async close(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.client.endAsync(true)));
  }
}

/** The q-quantile of sorted values (nearest rank); 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
