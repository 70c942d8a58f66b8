import { parseTopic } from '@hazwatch/protocols';
import type { Logger } from 'pino';

/**
 * The broker is part of the platform: its downtime is not blamed on the gateways (docs/architecture.md,
 * "Interpretations of SPEC 4"). A broker that stops publishes the last will (status `offline`, SPEC 2)
 * of every gateway connected to it, to the platform's own connection first — as it stops, just before
 * that connection drops, then again after it is back (the wills that were in flight are delivered
 * again, the rest were queued in the platform's persistent session, and a lost session brings the
 * retained copies on resubscription). None of them is news about a gateway. So, on an external broker:
 *
 * - An `offline` status counts only once the platform's connection has stayed up `confirmMs` after it
 *   arrived; if the connection drops first, it is dropped. (Real time: it is the broker's shutdown
 *   that is timed, not the site's. Mosquitto saves its persistence between publishing the wills and
 *   closing the connections, ~2 ms per 1,000 queued messages.) It applies when it counts, so a
 *   gateway-offline alarm it raises has its `since` `confirmMs` after the will. Meanwhile anything
 *   else from the same gateway makes it count at once, so a gateway's messages keep their order.
 * - For `reconnectMs` after the connection is back (not after the first connection: that is the
 *   platform starting, and what the broker kept for it meanwhile is news), an `offline` status waits
 *   until the end of that grace, and is dropped if the gateway sends anything meanwhile (telemetry, or
 *   its `online` birth: it has reconnected, so the will is not its last word). One that is not
 *   answered counts then.
 * - The rule engine is told when the connection drops and comes back (RulesService.platformLink):
 *   while it is down no gateway goes offline by silence, and once it is back each gateway still online
 *   has `offlineAfterSeconds` from then, as after a platform restart.
 *
 * A gateway that really died in those moments is still found: by its status once the grace is over,
 * or else by its silence, `offlineAfterSeconds` after the connection came back. Its alarm is late by
 * at most that much; what was held is never applied out of order with what the gateway said after it.
 */
export type WillGraceTiming = {
  /** Real ms an `offline` status waits for the platform's connection to stay up (default 2,000). */
  confirmMs: number;
  /** Real ms after a reconnection in which `offline` statuses wait for their gateway (default 30,000). */
  reconnectMs: number;
};

export const WILL_GRACE_DEFAULTS: WillGraceTiming = { confirmMs: 2_000, reconnectMs: 30_000 };

export type WillGraceOptions = {
  /** Where messages go on: ingest, one message at a time. */
  ingest: (topic: string, payload: Buffer) => Promise<void>;
  /** Told when the connection is lost (false) and when it is back after a loss (true). */
  onLink?: (up: boolean) => unknown;
  log: Logger;
  timing?: Partial<WillGraceTiming>;
  /** Monotonic real time in ms (tests). */
  clock?: () => number;
};

type Message = { topic: string; payload: Buffer };
type Held = Message & { timer: NodeJS.Timeout; why: 'confirm' | 'reconnect' };

export type WillGrace = {
  /** The platform client's `onMessage`: ingests the message now, or holds an `offline` status. */
  onMessage(topic: string, payload: Buffer): Promise<void>;
  /**
   * The messages to ingest now, in order, for one message received: none (an `offline` status held),
   * the message, or a held status of the same gateway and then the message. For callers that ingest
   * messages in groups; held statuses that come to count later go to `ingest`.
   */
  take(topic: string, payload: Buffer): Message[];
  /** The platform client's connection came up (true) or went down (false); repeats are ignored. */
  link(up: boolean): void;
  /** Drops what is held and ignores the link from now on (shutdown). */
  stop(): void;
  stats(): { held: number; dropped: number; counted: number };
};

export function createWillGrace(opts: WillGraceOptions): WillGrace {
  const timing = { ...WILL_GRACE_DEFAULTS, ...opts.timing };
  const clock = opts.clock ?? (() => performance.now());
  const log = opts.log.child({ component: 'will-grace' });
  const held = new Map<string, Held>();
  let connected = false;
  let everConnected = false;
  let reconnectedAt = -Infinity;
  let stopped = false;
  let dropped = 0;
  let counted = 0;

  const count = (gateway: string, h: Held) => {
    clearTimeout(h.timer);
    held.delete(gateway);
    counted++;
    log.info({ topic: h.topic, held: h.why }, 'gateway offline status counts: the connection to the broker stayed up');
  };

  const release = (gateway: string, h: Held) => {
    count(gateway, h);
    opts.ingest(h.topic, h.payload).catch((err: unknown) => log.error({ err, topic: h.topic }, 'a held offline status could not be ingested'));
  };

  const take = (topic: string, payload: Buffer): Message[] => {
    const gateway = gatewayOf(topic);
    if (gateway === undefined || stopped) return [{ topic, payload }];
    const offline = isOfflineStatus(topic, payload);
    const before = held.get(gateway);
    if (before && offline) {
      // The same statement again (a redelivery, or the retained copy): it keeps the first one's place.
      before.topic = topic;
      before.payload = payload;
      return [];
    }
    const out: Message[] = [];
    if (before) {
      if (before.why === 'confirm') {
        // The gateway spoke after its will while the connection stayed up: the will counts, first.
        count(gateway, before);
        out.push({ topic: before.topic, payload: before.payload });
      } else {
        clearTimeout(before.timer);
        held.delete(gateway);
        dropped++;
        log.info({ topic: before.topic }, 'gateway offline status dropped: the gateway is back after the broker was');
      }
    }
    if (!offline) {
      out.push({ topic, payload });
      return out;
    }
    if (everConnected && !connected) {
      // Taken after the connection dropped (it was queued behind others): dropped like one held then.
      dropped++;
      log.info({ topic }, 'gateway offline status dropped: the connection to the broker was lost right after it');
      return out;
    }
    const now = clock();
    const inGrace = now < reconnectedAt + timing.reconnectMs;
    const wait = inGrace ? Math.max(timing.confirmMs, reconnectedAt + timing.reconnectMs - now) : timing.confirmMs;
    const h: Held = { topic, payload, why: inGrace ? 'reconnect' : 'confirm', timer: setTimeout(() => release(gateway, h), wait) };
    h.timer.unref?.();
    held.set(gateway, h);
    return out;
  };

  return {
    take,
    onMessage: async (topic, payload) => {
      // The common case, telemetry with nothing held, costs one comparison.
      if (held.size === 0 && !topic.endsWith('/status')) return opts.ingest(topic, payload);
      for (const m of take(topic, payload)) await opts.ingest(m.topic, m.payload);
    },
    link: (up) => {
      if (stopped || up === connected) return;
      connected = up;
      if (!up) {
        if (held.size > 0) log.warn({ statuses: [...held.values()].map((h) => h.topic) }, 'gateway offline statuses dropped: the connection to the broker was lost right after them');
        for (const h of held.values()) clearTimeout(h.timer);
        dropped += held.size;
        held.clear();
        void Promise.resolve(opts.onLink?.(false)).catch((err: unknown) => log.error({ err }, 'link-down hook failed'));
        return;
      }
      if (everConnected) {
        reconnectedAt = clock();
        void Promise.resolve(opts.onLink?.(true)).catch((err: unknown) => log.error({ err }, 'link-up hook failed'));
      }
      everConnected = true;
    },
    stop: () => {
      stopped = true;
      for (const h of held.values()) clearTimeout(h.timer);
      held.clear();
    },
    stats: () => ({ held: held.size, dropped, counted }),
  };
}

/** `ent/gw` of a gateway's telemetry or status topic; undefined for any other topic. */
function gatewayOf(topic: string): string | undefined {
  const t = parseTopic(topic);
  if (!t || (t.kind !== 'telemetry' && t.kind !== 'status')) return undefined;
  return `${t.enterpriseId}/${t.gatewayId}`;
}

/** A status saying `offline`; anything else (bad JSON included) goes to ingest, which judges it. */
function isOfflineStatus(topic: string, payload: Buffer): boolean {
  if (!topic.endsWith('/status') || payload.byteLength === 0 || payload.byteLength > 4096) return false;
  try {
    const v = JSON.parse(payload.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && (v as { state?: unknown }).state === 'offline';
  } catch {
    return false;
  }
}
