// Wires the live feed into the store: socket.io for changes, the HTTP API for a full picture on every
// (re)connection. No polling: after the snapshot only pushed events change the screen.
import type { AlarmEvent } from '@hazwatch/protocols';
import { checkAlarm, checkAlarmEvent, checkGateway, checkHeartbeat, checkLine, checkList, checkWorkshop, validate } from './guards.ts';
import { isActive, type LiveStore, type Snapshot } from './store.ts';

/** The part of a socket.io client this module uses (the real one is passed in by main.tsx). */
export interface LiveSocket {
  on(event: string, fn: (...args: unknown[]) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
  readonly connected: boolean;
}

export type FetchJson = (path: string) => Promise<unknown>;

export type ConnectionDeps = {
  store: LiveStore;
  socket: LiveSocket;
  fetchJson: FetchJson;
  /** Told of alarms raised or escalated since this page last knew them (live or in a snapshot). */
  onAlarm?: (kind: AlarmEvent['kind'], level: 'warning' | 'alarm') => void;
  /** Delay before retrying a failed snapshot while the socket stays up (ms). */
  retryMs?: number;
  /**
   * The server refused the handshake as unauthenticated: the session ended (logged out elsewhere,
   * expired, the user disabled or moved; the server also closes open connections then). Retrying
   * cannot help; the page should ask for a login.
   */
  onUnauthenticated?: () => void;
};

export const API = {
  workshops: '/api/v1/workshops',
  lines: '/api/v1/lines',
  gateways: '/api/v1/gateways/live',
  activeAlarms: '/api/v1/alarms?state=active',
  /** Ended before anyone acknowledged them: the control room holds them until someone does. */
  unacknowledged: '/api/v1/alarms?state=unacknowledged',
} as const;

export async function fetchSnapshot(fetchJson: FetchJson): Promise<Snapshot> {
  const [w, l, g, a, u] = await Promise.all([fetchJson(API.workshops), fetchJson(API.lines), fetchJson(API.gateways), fetchJson(API.activeAlarms), fetchJson(API.unacknowledged)]);
  const active = checkList(a, 'alarms', checkAlarm);
  const ids = new Set(active.map((x) => x.id));
  return {
    workshops: checkList(w, 'workshops', checkWorkshop),
    lines: checkList(l, 'lines', checkLine),
    gateways: checkList(g, 'gateways', checkGateway),
    alarms: [...active, ...checkList(u, 'alarms', checkAlarm).filter((x) => !ids.has(x.id))],
  };
}

type Pending = { event: string; payload: unknown };

export function connectLive(deps: ConnectionDeps): { close(): void } {
  const { store, socket, fetchJson, onAlarm } = deps;
  const retryMs = deps.retryMs ?? 3_000;
  // Events that arrive while a snapshot is in flight are replayed after it, in order, so the newest
  // state wins whichever way the HTTP response and the pushes interleave.
  let buffer: Pending[] | null = null;
  let generation = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const handle = (event: string, payload: unknown) => {
    switch (event) {
      case 'workshop': {
        const r = validate(checkWorkshop, payload, 'workshop');
        return r.ok ? store.applyWorkshop(r.value) : store.reject(r.error);
      }
      case 'line': {
        const r = validate(checkLine, payload, 'line');
        return r.ok ? store.applyLine(r.value) : store.reject(r.error);
      }
      case 'gateway': {
        const r = validate(checkGateway, payload, 'gateway');
        return r.ok ? store.applyGateway(r.value) : store.reject(r.error);
      }
      case 'alarm': {
        const r = validate(checkAlarmEvent, payload, 'alarm');
        if (!r.ok) return store.reject(r.error);
        const e = r.value;
        const before = store.state.alarms.get(e.alarm.id);
        store.applyAlarmEvent(e);
        // The server replays the current alarms to every new connection; only news makes a sound.
        const news = (e.kind === 'raised' && !before) || (e.kind === 'escalated' && !before?.escalatedAt);
        return news ? onAlarm?.(e.kind, e.alarm.level) : undefined;
      }
      case 'heartbeat': {
        const r = validate(checkHeartbeat, payload, 'heartbeat');
        return r.ok ? store.heartbeat(r.value.at) : store.reject(r.error);
      }
    }
  };

  const receive = (event: string) => (payload: unknown) => {
    if (buffer) buffer.push({ event, payload });
    else handle(event, payload);
  };

  const resync = async () => {
    const mine = ++generation;
    clearTimeout(retry);
    buffer = [];
    try {
      const snap = await fetchSnapshot(fetchJson);
      if (mine !== generation || closed) return;
      const known = new Set(store.state.alarms.keys());
      store.applySnapshot(snap);
      // Alarms raised while this page was away (or before it opened) still deserve a sound, while they last.
      for (const a of snap.alarms) if (!known.has(a.id) && isActive(a)) onAlarm?.('raised', a.level);
    } catch (e) {
      if (mine !== generation || closed) return;
      store.fail(`snapshot: ${(e as Error).message}`);
      if (socket.connected) retry = setTimeout(() => void resync(), retryMs);
    } finally {
      if (mine === generation) {
        const pending = buffer ?? [];
        buffer = null;
        for (const p of pending) handle(p.event, p.payload);
      }
    }
  };

  socket.on('connect', () => {
    // A new socket is in the server's `all` room; `subscribe` narrows to one enterprise, which the
    // control room does not need until logins tie a page to an enterprise.
    store.setConnection('connected');
    void resync();
  });
  socket.on('disconnect', (reason) => {
    generation++;
    buffer = null;
    clearTimeout(retry);
    store.setConnection('disconnected');
    // socket.io retries lost transports by itself but not a disconnect the server chose (a restart
    // or shutdown closes sockets that way); a control room must come back on its own.
    if (reason === 'io server disconnect' && !closed) retry = setTimeout(() => socket.connect(), retryMs);
  });
  socket.on('connect_error', (err) => {
    store.setConnection('disconnected');
    if ((err as { message?: unknown } | undefined)?.message === 'unauthenticated' && !closed) deps.onUnauthenticated?.();
  });
  for (const event of ['workshop', 'line', 'gateway', 'alarm', 'heartbeat']) socket.on(event, receive(event));
  socket.connect();

  return {
    close() {
      closed = true;
      clearTimeout(retry);
      socket.disconnect();
    },
  };
}

/** `fetch` for same-origin JSON with a clear error for non-2xx answers. */
export function httpJson(base = ''): FetchJson {
  return async (path) => {
    const res = await fetch(base + path, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json() as Promise<unknown>;
  };
}
