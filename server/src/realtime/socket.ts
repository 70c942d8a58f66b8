import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { Id, type AlarmEvent, type AlarmRecord, type ClientToServerEvents, type GatewayLive, type LineLive, type ServerToClientEvents, type WorkshopLive } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.ts';
import type { RulesService } from '../rules/rules.ts';
import { handshakeOf, watchSockets, type Handshake, type Rechecks, type Viewer } from './recheck.ts';

export type RealtimeDeps = {
  httpServer: HttpServer;
  bus: EventBus;
  rules: RulesService;
  /** Every configured gateway's presence (presence/gateway-presence.ts), for a (re)subscribed dashboard. */
  gateways?: () => GatewayLive[];
  /** The alarms the control room shows (active, or ended unacknowledged), for a newly connected or re-subscribed dashboard. */
  activeAlarms: (enterpriseId?: string) => Promise<AlarmRecord[]>;
  log: Logger;
  heartbeatMs?: number;
  /**
   * Who the handshake is (the session cookie, or `auth.token`: an API token) and which enterprises
   * they may see; undefined refuses the connection. Unset: everyone sees everything (tests of this
   * module alone).
   */
  authenticate?: (handshake: Handshake, recheck: boolean) => Viewer | undefined;
  /** Told of a refused subscription (the security log). */
  onRefused?: (viewer: Viewer, enterpriseId: string) => void;
  /**
   * Open connections are authenticated again with their handshake's credentials when this says a
   * credential changed (those a change concerns, Viewer.concerns), and every `recheckMs` (default
   * 30 s: expiry, and changes made by another process). One that no longer passes, or now passes as
   * someone else, is closed (realtime/recheck.ts).
   */
  authChanges?: (listener: (c: unknown) => void) => () => void;
  recheckMs?: number;
  /** Told of a connection closed by a recheck (the security log). */
  onClosed?: (viewer: Viewer, reason: 'credentials-withdrawn' | 'scope-changed') => void;
};

export type { Handshake, Viewer };

const ALL = 'all';
/** Live views (workshop, line) are pushed at most this often, each in its latest state (ms). */
const LIVE_VIEW_EVERY_MS = 500;
const room = (enterpriseId: string) => `ent:${enterpriseId}`;
const SubscribeRequest = z.strictObject({ enterpriseId: Id.optional() });

type TypedServer = Server<ClientToServerEvents, ServerToClientEvents>;
type TypedSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * socket.io beside the HTTP API. The handshake is authenticated (issue 6); a client joins the room of
 * every enterprise it may see (`all` for an admin) and nothing else, so it receives only their events.
 * `subscribe({ enterpriseId })` narrows it to one of those; naming another is refused. Every
 * (re)subscription is followed by the current state, so a dashboard never waits for the next change.
 */
export function attachRealtime(deps: RealtimeDeps): { io: TypedServer; close(): Promise<void> } {
  const log = deps.log.child({ component: 'realtime' });
  const io: TypedServer = new Server(deps.httpServer, { serveClient: false });
  const viewers = new WeakMap<TypedSocket, Viewer>();
  const everyone: Viewer = { name: '(unauthenticated)', visible: () => 'all' };
  const viewerOf = (socket: TypedSocket) => viewers.get(socket) ?? everyone;
  /** The enterprise a socket narrowed itself to with `subscribe`; absent: all it may see. */
  const narrowed = new WeakMap<TypedSocket, string>();

  let rechecks: Rechecks | undefined;
  if (deps.authenticate) {
    const authenticate = deps.authenticate;
    io.use((socket, next) => {
      const viewer = authenticate(handshakeOf(socket), false);
      if (!viewer) return next(new Error('unauthenticated'));
      viewers.set(socket, viewer);
      rechecks?.authenticated(socket);
      next();
    });
    rechecks = watchSockets({
      sockets: () => io.of('/').sockets.values(),
      viewers: viewers as WeakMap<Socket, Viewer>,
      authenticate,
      log,
      ...(deps.authChanges ? { authChanges: deps.authChanges } : {}),
      ...(deps.recheckMs !== undefined ? { everyMs: deps.recheckMs } : {}),
      ...(deps.onClosed ? { onClosed: deps.onClosed } : {}),
    });
  }

  const sendState = async (socket: TypedSocket, enterpriseId?: string) => {
    const visible = viewerOf(socket).visible();
    const mine = <T extends { enterpriseId: string }>(x: T) =>
      (enterpriseId === undefined || x.enterpriseId === enterpriseId) && (visible === 'all' || visible.includes(x.enterpriseId));
    for (const w of deps.rules.workshops().filter(mine)) socket.emit('workshop', w);
    for (const l of deps.rules.lines().filter(mine)) socket.emit('line', l);
    for (const g of deps.gateways?.().filter(mine) ?? []) socket.emit('gateway', g);
    const alarms = enterpriseId !== undefined || visible === 'all' ? await deps.activeAlarms(enterpriseId) : (await deps.activeAlarms()).filter(mine);
    for (const a of alarms) socket.emit('alarm', currentEvent(a));
  };
  const joinVisible = (socket: TypedSocket) => {
    const visible = viewerOf(socket).visible();
    if (visible === 'all') void socket.join(ALL);
    else for (const e of visible) void socket.join(room(e));
  };

  /**
   * A new site revision can move an enterprise out of a regulator's region (or into it): every socket
   * keeps only the rooms it may still see, and is sent the state again.
   */
  const rescope = () => {
    for (const socket of io.of('/').sockets.values()) {
      const one = narrowed.get(socket);
      const visible = viewerOf(socket).visible();
      for (const r of socket.rooms) if (r !== socket.id) void socket.leave(r);
      if (one !== undefined && (visible === 'all' || visible.includes(one))) void socket.join(room(one));
      else {
        narrowed.delete(socket);
        joinVisible(socket);
      }
      sendState(socket, narrowed.get(socket)).catch((err: unknown) => log.warn({ err }, 'state after a site revision failed'));
    }
  };

  io.on('connection', (socket) => {
    rechecks?.connected(socket);
    if (!socket.connected) return;
    joinVisible(socket);
    sendState(socket).catch((err: unknown) => log.warn({ err }, 'initial state failed'));
    socket.on('subscribe', (req, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = SubscribeRequest.safeParse(req ?? {});
      if (!parsed.success) return reply({ ok: false, error: `invalid subscribe request: ${parsed.error.issues[0]?.message ?? 'bad shape'}` });
      const { enterpriseId } = parsed.data;
      const viewer = viewerOf(socket);
      const visible = viewer.visible();
      if (enterpriseId !== undefined && visible !== 'all' && !visible.includes(enterpriseId)) {
        deps.onRefused?.(viewer, enterpriseId);
        return reply({ ok: false, error: `forbidden: enterprise "${enterpriseId}" is not yours to see` });
      }
      // (The running site: an enterprise added by a revision since this socket connected is known.)
      if (enterpriseId !== undefined && !deps.rules.site.enterprises.some((e) => e.id === enterpriseId)) return reply({ ok: false, error: `unknown enterprise "${enterpriseId}"` });
      for (const r of socket.rooms) if (r !== socket.id) void socket.leave(r);
      if (enterpriseId === undefined) {
        narrowed.delete(socket);
        joinVisible(socket);
      } else {
        narrowed.set(socket, enterpriseId);
        void socket.join(room(enterpriseId));
      }
      reply({ ok: true });
      sendState(socket, enterpriseId).catch((err: unknown) => log.warn({ err }, 'subscription state failed'));
    });
  });

  // socket.io encodes a broadcast before it looks for receivers; with every workshop changing every
  // second that is one JSON encoding per reading for nobody while no dashboard watches. The adapter
  // drops a room when its last socket leaves, so a room present is a room with someone in it.
  const rooms = io.of('/').adapter.rooms;
  const watched = (enterpriseId: string) => rooms.has(ALL) || rooms.has(room(enterpriseId));
  // Nor are views of unwatched enterprises made at all: the engine makes one per reading otherwise.
  deps.rules.viewsFor(watched);
  const to = (enterpriseId: string) => (watched(enterpriseId) ? io.to([ALL, room(enterpriseId)]) : undefined);
  // Live views go out at most every LIVE_VIEW_EVERY_MS, each as it was last: under load every
  // workshop changes with every ingest group (~15 a second at half capacity), and encoding and framing
  // each view for socket.io took a fifth of the server's CPU, which delayed the alarms queued behind it.
  // A dashboard shows state, so the views in between are not missed. Alarm events are never held back.
  type View = { kind: 'workshop'; view: WorkshopLive } | { kind: 'line'; view: LineLive } | { kind: 'gateway'; view: GatewayLive };
  let views = new Map<string, View>();
  let viewTimer: NodeJS.Timeout | undefined;
  let lastFlush = -Infinity;
  const flushViews = () => {
    viewTimer = undefined;
    lastFlush = performance.now();
    const sending = views;
    views = new Map();
    for (const v of sending.values()) {
      if (v.kind === 'workshop') to(v.view.enterpriseId)?.emit('workshop', v.view);
      else if (v.kind === 'line') to(v.view.enterpriseId)?.emit('line', v.view);
      else to(v.view.enterpriseId)?.emit('gateway', v.view);
    }
  };
  const queueView = (key: string, v: View) => {
    // A dashboard subscribing later is sent the current state then.
    if (!watched(v.view.enterpriseId)) return;
    // Re-inserted so that each view keeps the place of its last change.
    views.delete(key);
    views.set(key, v);
    // After a quiet spell at once (the next timer turn, so a group's views still go together).
    viewTimer ??= setTimeout(flushViews, Math.max(0, lastFlush + LIVE_VIEW_EVERY_MS - performance.now()));
  };
  const off = [
    deps.bus.on('workshop', (w) => queueView(`w/${w.enterpriseId}/${w.workshopId}`, { kind: 'workshop', view: w })),
    deps.bus.on('line', (l) => queueView(`l/${l.enterpriseId}/${l.lineId}`, { kind: 'line', view: l })),
    deps.bus.on('alarm', (e) => to(e.alarm.enterpriseId)?.emit('alarm', e)),
    // At most one per gateway every ~10 s unless it has news (presence/gateway-presence.ts); held
    // with the views, so that many gateways reconnecting at once go out as one flush.
    deps.bus.on('gateway', (g) => queueView(`g/${g.enterpriseId}/${g.gatewayId}`, { kind: 'gateway', view: g })),
    deps.bus.on('site', () => rescope()),
  ];
  const heartbeat = setInterval(() => io.emit('heartbeat', { at: new Date().toISOString() }), deps.heartbeatMs ?? 2000);
  heartbeat.unref();

  let closing: Promise<void> | undefined;
  return {
    io,
    close: () =>
      (closing ??= (async () => {
        clearInterval(heartbeat);
        rechecks?.stop();
        clearTimeout(viewTimer);
        deps.rules.viewsFor(undefined);
        for (const f of off) f();
        io.disconnectSockets(true);
        // io.close() would also close the HTTP server, which Fastify owns; only the engine is ours.
        io.engine.close();
      })()),
  };
}

/** An open alarm as the event that brought it to its current state. */
function currentEvent(a: AlarmRecord): AlarmEvent {
  if (a.clearedAt) return { kind: 'cleared', at: a.clearedAt, alarm: a };
  if (a.escalatedAt) return { kind: 'escalated', at: a.escalatedAt, alarm: a };
  return { kind: 'raised', at: a.raisedAt, alarm: a };
}
