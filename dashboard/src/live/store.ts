// The control room's picture of the plant: the latest WorkshopLive/LineLive per scope and the active
// alarms, plus what the page knows about its own connection. Immutable snapshots, so views can compare
// by reference; listeners are told after every change.
import type { AlarmEvent, AlarmRecord, GatewayLive, LineLive, WorkshopLive } from '@hazwatch/protocols';

export type Connection = 'connecting' | 'connected' | 'disconnected';

export type LiveState = {
  /** Insertion order is the server's order (site configuration order); updates keep the position. */
  workshops: ReadonlyMap<string, WorkshopLive>;
  lines: ReadonlyMap<string, LineLive>;
  /** What the platform last heard of each gateway (its clock), by `gatewayKey`. */
  gateways: ReadonlyMap<string, GatewayLive>;
  /**
   * The alarms the control room must show (`needsAttention`): those whose condition holds, and those
   * that ended before anyone acknowledged them (a short 超员 is the common case). Not closed.
   */
  alarms: ReadonlyMap<string, AlarmRecord>;
  connection: Connection;
  /** Browser clock (ms) of the last message from the server, of any kind; null until one arrives. */
  lastHeardAt: number | null;
  /** Server clock minus browser clock (ms), from heartbeats, so ages are measured on the server's clock. */
  serverOffsetMs: number;
  /** True once a snapshot has been loaded since the latest (re)connection. */
  synced: boolean;
  /** Malformed messages dropped at the boundary (shown, never fatal). */
  rejected: number;
  lastError: string | null;
};

export type Snapshot = { workshops: WorkshopLive[]; lines: LineLive[]; gateways: GatewayLive[]; alarms: AlarmRecord[] };

export const workshopKey = (w: { enterpriseId: string; workshopId: string }) => `${w.enterpriseId}|${w.workshopId}`;
export const lineKey = (l: { enterpriseId: string; lineId: string }) => `${l.enterpriseId}|${l.lineId}`;
export const gatewayKey = (g: { enterpriseId: string; gatewayId: string }) => `${g.enterpriseId}|${g.gatewayId}`;

export function isActive(a: AlarmRecord): boolean {
  return a.clearedAt == null && a.closedAt == null;
}

/** Active, or ended and not yet acknowledged (返回正常未确认): held in the control room until acknowledged. */
export function needsAttention(a: AlarmRecord): boolean {
  return a.closedAt == null && (a.clearedAt == null || a.acknowledgedAt == null);
}

const initial: LiveState = {
  workshops: new Map(),
  lines: new Map(),
  gateways: new Map(),
  alarms: new Map(),
  connection: 'connecting',
  lastHeardAt: null,
  serverOffsetMs: 0,
  synced: false,
  rejected: 0,
  lastError: null,
};

export class LiveStore {
  #state: LiveState = initial;
  #listeners = new Set<(s: LiveState) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  get state(): LiveState {
    return this.#state;
  }

  subscribe(fn: (s: LiveState) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #set(patch: Partial<LiveState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l(this.#state);
  }

  /** Forgets everything (a sign-out: the next user may see other enterprises). */
  reset(): void {
    this.#set(initial);
  }

  setConnection(connection: Connection): void {
    // A new connection starts unsynced: what happened while away arrives with the next snapshot.
    this.#set(connection === 'connected' ? { connection, lastHeardAt: this.now(), synced: false } : { connection, synced: false });
  }

  /** Replaces everything with a fresh snapshot from the HTTP API. */
  applySnapshot(s: Snapshot): void {
    this.#set({
      workshops: new Map(s.workshops.map((w) => [workshopKey(w), w])),
      lines: new Map(s.lines.map((l) => [lineKey(l), l])),
      gateways: new Map(s.gateways.map((g) => [gatewayKey(g), g])),
      alarms: new Map(s.alarms.filter(needsAttention).map((a) => [a.id, a])),
      synced: true,
      lastError: null,
      lastHeardAt: this.now(),
    });
  }

  applyWorkshop(w: WorkshopLive): void {
    const workshops = new Map(this.#state.workshops);
    workshops.set(workshopKey(w), w);
    this.#set({ workshops, lastHeardAt: this.now() });
  }

  applyLine(l: LineLive): void {
    const lines = new Map(this.#state.lines);
    lines.set(lineKey(l), l);
    this.#set({ lines, lastHeardAt: this.now() });
  }

  applyGateway(g: GatewayLive): void {
    const gateways = new Map(this.#state.gateways);
    gateways.set(gatewayKey(g), g);
    this.#set({ gateways, lastHeardAt: this.now() });
  }

  /** Every event carries the record as it stands after it: kept while it needs attention, dropped once acknowledged after it ended, or closed. */
  applyAlarmEvent(e: AlarmEvent): void {
    const alarms = new Map(this.#state.alarms);
    if (needsAttention(e.alarm)) alarms.set(e.alarm.id, e.alarm);
    else alarms.delete(e.alarm.id);
    this.#set({ alarms, lastHeardAt: this.now() });
  }

  heartbeat(serverAt: string): void {
    const now = this.now();
    const server = Date.parse(serverAt);
    this.#set({ lastHeardAt: now, serverOffsetMs: Number.isFinite(server) ? server - now : this.#state.serverOffsetMs });
  }

  reject(reason: string): void {
    this.#set({ rejected: this.#state.rejected + 1, lastError: reason });
  }

  fail(reason: string): void {
    this.#set({ lastError: reason });
  }
}

export const STALE_AFTER_MS = 10_000;

export type Staleness = { stale: false } | { stale: true; reason: 'connecting' | 'disconnected' | 'silent'; silentForMs: number };

/**
 * The whole screen is stale when the connection is down, the first snapshot has not arrived, or nothing
 * (not even a heartbeat) came for 10 s: it must never look green on old data.
 */
export function staleness(s: LiveState, now: number): Staleness {
  const silentForMs = s.lastHeardAt === null ? Infinity : now - s.lastHeardAt;
  if (s.connection === 'disconnected') return { stale: true, reason: 'disconnected', silentForMs };
  if (s.connection === 'connecting' || !s.synced) return { stale: true, reason: 'connecting', silentForMs };
  if (silentForMs > STALE_AFTER_MS) return { stale: true, reason: 'silent', silentForMs };
  return { stale: false };
}
