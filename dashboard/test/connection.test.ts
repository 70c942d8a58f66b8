// connectLive against a real socket.io server and client on loopback: snapshot on connect, pushes that
// race the snapshot, malformed pushes, disconnects. The HTTP side is the injected fetchJson, held open
// here so the race is deterministic.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlarmRecord, WorkshopLive } from '@hazwatch/protocols';
import { Server } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { API, connectLive, type LiveSocket } from '../src/live/connection.ts';
import { LiveStore, type LiveState } from '../src/live/store.ts';

const ws = (headcount: number, over: Partial<WorkshopLive> = {}): WorkshopLive => ({
  enterpriseId: 'ent-1', workshopId: 'ws-a', name: '乳化工房', hazardClass: '1.1', kind: 'workshop', lines: ['line-1'],
  gatewayId: 'gw-1', headcount, lastKnownHeadcount: headcount, staffingLimit: 2, byLine: {}, lineStaffingLimits: {},
  materialKg: 0, quantityLimitKg: 500, quantityWarnKg: null, persons: [], status: headcount > 2 ? 'over' : 'normal',
  quantityStatus: 'normal', updatedAt: new Date().toISOString(), ...over,
});

const raisedAt = new Date().toISOString();
const alarm = (id: string, over: Partial<AlarmRecord> = {}): AlarmRecord => ({
  id, type: 'over-staffing', reason: null, level: 'alarm', enterpriseId: 'ent-1', subject: { workshopId: 'ws-a' }, value: 3,
  peak: 3, limit: 2, since: raisedAt, raisedAt, escalatedAt: null, clearedAt: null, detectedAt: raisedAt, late: false,
  configRevision: 1, ...over,
});

function until(store: LiveStore, pred: (s: LiveState) => boolean, ms = 3000): Promise<LiveState> {
  return new Promise((resolve, reject) => {
    if (pred(store.state)) return resolve(store.state);
    const timer = setTimeout(() => { off(); reject(new Error(`condition not met within ${ms} ms: ${JSON.stringify({ ...store.state, workshops: [...store.state.workshops.values()] })}`)); }, ms);
    const off = store.subscribe((s) => {
      if (pred(s)) { clearTimeout(timer); off(); resolve(s); }
    });
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startIo(): Promise<{ io: Server; url: string }> {
  const http: HttpServer = createServer();
  const io = new Server(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => { io.close(() => r()); }));
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

describe('connectLive', () => {
  it('loads a snapshot on connect and applies pushes that race it in order', async () => {
    const { io, url } = await startIo();
    const requested: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const fetchJson = async (path: string) => {
      requested.push(path);
      await held;
      if (path === API.workshops) return [ws(1)];
      if (path === API.lines) return { lines: [] };
      if (path === API.gateways) return [];
      // Ended before anyone acknowledged it: held in the store, without a sound.
      if (path === API.unacknowledged) return [alarm('old'), alarm('quiet', { clearedAt: raisedAt })];
      return [alarm('old')];
    };
    io.on('connection', (s) => {
      // Pushed while the snapshot is still in flight: newer than the snapshot, so it must win.
      setImmediate(() => {
        s.emit('workshop', ws(3));
        s.emit('workshop', { ...ws(9), headcount: 'nine' });
        s.emit('heartbeat', { at: new Date().toISOString() });
        // The server replays current alarms to a new socket: no second sound for one already known.
        s.emit('alarm', { kind: 'raised', at: raisedAt, alarm: alarm('old') });
        s.emit('alarm', { kind: 'raised', at: raisedAt, alarm: alarm('new', { level: 'warning' }) });
        setTimeout(release, 50);
      });
    });
    const store = new LiveStore();
    const alarms: string[] = [];
    const socket = ioClient(url, { autoConnect: false, transports: ['websocket'] });
    const live = connectLive({ store, socket: socket as unknown as LiveSocket, fetchJson, onAlarm: (k, l) => alarms.push(`${k}:${l}`) });
    cleanups.push(() => live.close());

    const s = await until(store, (st) => st.synced && st.rejected === 1 && st.workshops.get('ent-1|ws-a')?.headcount === 3 && st.alarms.size === 3);
    expect(requested.sort()).toEqual([API.activeAlarms, API.unacknowledged, API.gateways, API.lines, API.workshops].sort());
    expect(s.alarms.get('quiet')?.clearedAt).toBe(raisedAt);
    expect(s.connection).toBe('connected');
    expect(s.lastError).toMatch(/workshop\.headcount/);
    expect(alarms).toEqual(['raised:alarm', 'raised:warning']);
  });

  it('marks the page disconnected when the server goes away, and resyncs on reconnect', async () => {
    const { io, url } = await startIo();
    let n = 0;
    const fetchJson = async (path: string) => (path === API.workshops ? [ws(++n)] : []);
    const store = new LiveStore();
    const socket = ioClient(url, { autoConnect: false, transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100 });
    const live = connectLive({ store, socket: socket as unknown as LiveSocket, fetchJson, retryMs: 50 });
    cleanups.push(() => live.close());
    await until(store, (s) => s.synced && s.workshops.get('ent-1|ws-a')?.headcount === 1);

    const seen: string[] = [];
    store.subscribe((s) => { if (seen.at(-1) !== s.connection) seen.push(s.connection); });
    io.disconnectSockets(); // what a server restart does: socket.io does not retry these by itself
    await until(store, (s) => s.synced && s.workshops.get('ent-1|ws-a')?.headcount === 2);
    expect(seen).toEqual(['disconnected', 'connected']);
  });
});
