import type { AlarmEvent, GatewayLive, LineLive, WorkshopLive } from '@hazwatch/protocols';
import type { Logger } from 'pino';

/** What the live platform announces internally; realtime and MQTT alarm publishing listen. */
export type BusEvents = {
  alarm: AlarmEvent;
  workshop: WorkshopLive;
  line: LineLive;
  /** A gateway's presence changed, or its refresh is due (presence/gateway-presence.ts). */
  gateway: GatewayLive;
  /** A new site configuration revision is in force (who may see which enterprise can change). */
  site: { revision: number };
};

type Listener<T> = (payload: T) => void;

/**
 * A small typed, synchronous event bus. A throwing listener is logged and skipped so that one
 * consumer (a dashboard push, an MQTT publish) can never stop the others or the rule engine.
 */
export class EventBus {
  private readonly listeners: { [K in keyof BusEvents]: Set<Listener<BusEvents[K]>> } = {
    alarm: new Set(),
    workshop: new Set(),
    line: new Set(),
    gateway: new Set(),
    site: new Set(),
  };

  constructor(private readonly log?: Logger) {}

  on<K extends keyof BusEvents>(event: K, listener: Listener<BusEvents[K]>): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    for (const l of this.listeners[event]) {
      try {
        l(payload);
      } catch (err) {
        this.log?.error({ err, event }, 'event bus listener failed');
      }
    }
  }
}
