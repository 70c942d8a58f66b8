import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { Id, type AlarmEvent, type AlarmRecord, type ClientToServerEvents, type ServerToClientEvents } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.ts';
import type { RulesService } from '../rules/rules.ts';

export type RealtimeDeps = {
  httpServer: HttpServer;
  bus: EventBus;
  rules: RulesService;
  /** Current open alarms, for a newly connected or re-subscribed dashboard. */
  activeAlarms: (enterpriseId?: string) => Promise<AlarmRecord[]>;
  log: Logger;
  heartbeatMs?: number;
};

const ALL = 'all';
const room = (enterpriseId: string) => `ent:${enterpriseId}`;
const SubscribeRequest = z.strictObject({ enterpriseId: Id.optional() });

type TypedServer = Server<ClientToServerEvents, ServerToClientEvents>;
type TypedSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * socket.io beside the HTTP API. A client starts in the `all` room; `subscribe({ enterpriseId })`
 * narrows it to one enterprise's room (auth will decide who may see what in a later issue). Every
 * (re)subscription is followed by the current state, so a dashboard never waits for the next change.
 */
export function attachRealtime(deps: RealtimeDeps): { io: TypedServer; close(): Promise<void> } {
  const log = deps.log.child({ component: 'realtime' });
  const io: TypedServer = new Server(deps.httpServer, { serveClient: false });
  const enterprises = new Set(deps.rules.site.enterprises.map((e) => e.id));

  const sendState = async (socket: TypedSocket, enterpriseId?: string) => {
    const mine = <T extends { enterpriseId: string }>(x: T) => enterpriseId === undefined || x.enterpriseId === enterpriseId;
    for (const w of deps.rules.workshops().filter(mine)) socket.emit('workshop', w);
    for (const l of deps.rules.lines().filter(mine)) socket.emit('line', l);
    for (const a of await deps.activeAlarms(enterpriseId)) socket.emit('alarm', currentEvent(a));
  };

  io.on('connection', (socket) => {
    void socket.join(ALL);
    sendState(socket).catch((err: unknown) => log.warn({ err }, 'initial state failed'));
    socket.on('subscribe', (req, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = SubscribeRequest.safeParse(req ?? {});
      if (!parsed.success) return reply({ ok: false, error: `invalid subscribe request: ${parsed.error.issues[0]?.message ?? 'bad shape'}` });
      const { enterpriseId } = parsed.data;
      if (enterpriseId !== undefined && !enterprises.has(enterpriseId)) return reply({ ok: false, error: `unknown enterprise "${enterpriseId}"` });
      for (const r of socket.rooms) if (r !== socket.id) void socket.leave(r);
      void socket.join(enterpriseId === undefined ? ALL : room(enterpriseId));
      reply({ ok: true });
      sendState(socket, enterpriseId).catch((err: unknown) => log.warn({ err }, 'subscription state failed'));
    });
  });

  const to = (enterpriseId: string) => io.to([ALL, room(enterpriseId)]);
  const off = [
    deps.bus.on('workshop', (w) => to(w.enterpriseId).emit('workshop', w)),
    deps.bus.on('line', (l) => to(l.enterpriseId).emit('line', l)),
    deps.bus.on('alarm', (e) => to(e.alarm.enterpriseId).emit('alarm', e)),
  ];
  const heartbeat = setInterval(() => io.emit('heartbeat', { at: new Date().toISOString() }), deps.heartbeatMs ?? 2000);
  heartbeat.unref();

  let closing: Promise<void> | undefined;
  return {
    io,
    close: () =>
      (closing ??= (async () => {
        clearInterval(heartbeat);
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
