// Gateway presence (presence/gateway-presence.ts): what each gateway last said and when the platform
// last heard it, over the real stack (MQTT with gateway credentials → ingest → REST and socket.io,
// tenancy as for workshop views), and the offset and push rules on their own.
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayLive, type ClientToServerEvents, type GatewayStatus, type ServerToClientEvents, type SiteConfig } from '@hazwatch/protocols';
import { GatewayPresence, OFFSET_WINDOW_MS, REFRESH_EVERY_MS } from '../src/presence/gateway-presence.ts';
import type { EngineInput } from '../src/engine/index.ts';
import { loadSiteFile } from '../src/site/load.ts';
import { connectGateway, getJson, startTestServer, tempDir, waitFor, type TestServer } from './helpers.ts';

const SITE = fileURLToPath(new URL('./fixtures/two-tenants.yaml', import.meta.url));
/** The test gateway's clock runs this far behind the platform's (ms). */
const BEHIND_MS = 90_000;

describe('gateway presence on the real server', () => {
  const tmp = tempDir();
  let server: TestServer;
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server = await startTestServer(tmp.dir, { site: SITE });
  }, 30_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) await c.endAsync(true);
    await server?.close();
    tmp.remove();
  });

  /** A socket signed in as `cookie`, collecting the `gateway` events it receives. */
  const watch = async (cookie: string) => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connectSocket(server.httpUrl, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
    sockets.push(socket);
    const seen: GatewayLive[] = [];
    socket.on('gateway', (g) => seen.push(GatewayLive.parse(g)));
    // The state sent on connect includes the gateways' views.
    await waitFor(() => socket.connected && seen.length > 0, 'the socket and its initial gateway views');
    return seen;
  };

  it('REST and socket.io show status, agent, spool, seq, arrival time and clock offset, to its own enterprise only', async () => {
    const op1 = await server.loginAs('op-ent1', 'operator', { enterpriseId: 'ent-1' });
    const op2 = await server.loginAs('op-ent2', 'operator', { enterpriseId: 'ent-2' });
    const seen1 = await watch(op1);
    const seen2 = await watch(op2);
    expect(seen1.map((g) => `${g.enterpriseId}/${g.gatewayId}`)).toEqual(['ent-1/gw-1']);
    expect(seen2.map((g) => `${g.enterpriseId}/${g.gatewayId}`)).toEqual(['ent-2/gw-9']);
    expect(seen1[0]).toMatchObject({ lastHeardAt: null, reportedState: null, agent: null, buffered: null, lastSeq: null, clockOffsetMs: null });

    const gw1 = await connectGateway(server.mqttUrl, 'gw-1');
    clients.push(gw1);
    const status: GatewayStatus = { v: 1, state: 'online', ts: Date.now() - BEHIND_MS, agent: 'hazwatch-edge/1.4.2', buffered: 4 };
    const before = Date.now();
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/status', JSON.stringify(status), { qos: 1, retain: true });
    const sentAt = Date.now() - BEHIND_MS;
    const batch7 = { v: 1, gatewayId: 'gw-1', seq: 7, sentAt, readings: [{ workshopId: 'ws-a', ts: sentAt, headcount: { total: 1 } }] };
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch7), { qos: 1 });
    const after = Date.now();

    const live = await waitFor(async () => (await getJson<GatewayLive[]>(server, '/api/v1/gateways/live')).find((g) => g.gatewayId === 'gw-1' && g.lastSeq === 7), 'gw-1 at seq 7 over REST');
    expect(live).toMatchObject({ enterpriseId: 'ent-1', reportedState: 'online', agent: 'hazwatch-edge/1.4.2', buffered: 4, dropped: null, lastSeq: 7 });
    // Arrival on the platform's clock (not the gateway's, 90 s behind), between publish and PUBACK.
    const heard = Date.parse(live.lastHeardAt!);
    expect(heard).toBeGreaterThanOrEqual(before);
    expect(heard).toBeLessThanOrEqual(after);
    expect(Date.parse(live.reportedAt!)).toBeGreaterThanOrEqual(before);
    // Platform minus gateway: the 90 s, plus at most the status's transit (while its status says a
    // backlog drains, batches are not samples: their at − sentAt is their age).
    expect(live.clockOffsetMs).toBeGreaterThanOrEqual(BEHIND_MS);
    expect(live.clockOffsetMs).toBeLessThanOrEqual(after - status.ts);
    // The response schema serialises exactly the contract.
    expect(GatewayLive.parse(live)).toEqual(live);

    // Pushed to ent-1's socket: the status and the first batch (news; held with the live views, so
    // the two may go out as one).
    await waitFor(() => seen1.some((g) => g.lastSeq === 7), 'the gateway event of seq 7');
    expect(seen1.find((g) => g.lastSeq === 7)).toEqual(live);

    // A batch with nothing new but its seq and arrival time is not pushed (refresh at most every
    // 10 s); the status after it is, and carries the seq. Events arrive in order, so once the status's
    // event is here, a push for seq 8 would have been too.
    const batch8 = { ...batch7, seq: 8, sentAt: Date.now() - BEHIND_MS };
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch8), { qos: 1 });
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/status', JSON.stringify({ ...status, ts: Date.now() - BEHIND_MS, buffered: 0 }), { qos: 1, retain: true });
    await waitFor(() => seen1.some((g) => g.buffered === 0), 'the gateway event of the second status');
    const afterSeq7 = seen1.slice(seen1.findIndex((g) => g.lastSeq === 7) + 1);
    expect(afterSeq7.map((g) => [g.lastSeq, g.buffered])).toEqual([[8, 0]]);

    // Another enterprise sees nothing of it: not over REST, not by naming it, not over socket.io.
    const gw9 = await connectGateway(server.mqttUrl, 'gw-9', { enterpriseId: 'ent-2' });
    clients.push(gw9);
    await gw9.publishAsync('hazwatch/v1/ent-2/gw-9/status', JSON.stringify({ v: 1, state: 'online', ts: Date.now(), agent: 'other/1.0' }), { qos: 1, retain: true });
    // ent-1's events went out before this one: once it is on ent-2's socket, any leak would be too.
    await waitFor(() => seen2.some((g) => g.agent === 'other/1.0'), "ent-2's own gateway event");
    expect(new Set(seen2.map((g) => g.enterpriseId))).toEqual(new Set(['ent-2']));
    expect(new Set(seen1.map((g) => g.enterpriseId))).toEqual(new Set(['ent-1']));
    const own = await server.app.inject({ url: '/api/v1/gateways/live', headers: { cookie: op2 } });
    expect(own.statusCode).toBe(200);
    expect((own.json() as GatewayLive[]).map((g) => g.gatewayId)).toEqual(['gw-9']);
    const named = await server.app.inject({ url: '/api/v1/gateways/live?enterpriseId=ent-1', headers: { cookie: op2 } });
    expect(named.statusCode).toBe(403);
    const mine = await server.app.inject({ url: '/api/v1/gateways/live?enterpriseId=ent-1', headers: { cookie: op1 } });
    expect((mine.json() as GatewayLive[]).map((g) => [g.gatewayId, g.lastSeq])).toEqual([['gw-1', 8]]);
    expect((await server.app.inject({ url: '/api/v1/gateways/live', headers: { authorization: '' } })).statusCode).toBe(401);
  });

  it('drops a gateway that a site revision removes', async () => {
    const site = structuredClone(server.configs.latest()!.site);
    site.enterprises[0]!.gateways.push({ id: 'gw-new', workshops: [], lines: [] });
    await server.applySite(site, JSON.stringify(site), { source: 'test', changedBy: 'test' });
    expect((await getJson<GatewayLive[]>(server, '/api/v1/gateways/live?enterpriseId=ent-1')).map((g) => g.gatewayId)).toEqual(['gw-1', 'gw-new']);
    site.enterprises[0]!.gateways = site.enterprises[0]!.gateways.filter((g) => g.id !== 'gw-new');
    await server.applySite(site, JSON.stringify(site), { source: 'test', changedBy: 'test' });
    const after = await getJson<GatewayLive[]>(server, '/api/v1/gateways/live?enterpriseId=ent-1');
    // The one kept keeps what it knew.
    expect(after.map((g) => [g.gatewayId, g.lastSeq])).toEqual([['gw-1', 8]]);
  });
});

describe('GatewayPresence', () => {
  let site: SiteConfig;
  beforeAll(async () => {
    const loaded = await loadSiteFile(SITE);
    if (!loaded.ok) throw new Error('fixture site does not load');
    site = loaded.site;
  });
  const T0 = Date.parse('2026-03-02T01:00:00Z');
  const telemetry = (at: number, seq: number, sentAt: number): EngineInput => ({ kind: 'telemetry', at, enterpriseId: 'ent-1', gatewayId: 'gw-1', batch: { v: 1, gatewayId: 'gw-1', seq, sentAt, readings: [] } });

  it('pushes news at once and a mere refresh at most every 10 s', () => {
    const pushed: GatewayLive[] = [];
    const p = new GatewayPresence(site, (v) => pushed.push(v));
    // 1 Hz for 25 s: the first batch, then a refresh at 10 s and at 20 s.
    for (let i = 0; i < 25; i++) p.observe([telemetry(T0 + i * 1000, i, T0 + i * 1000 - 20)]);
    expect(pushed.map((v) => v.lastSeq)).toEqual([0, REFRESH_EVERY_MS / 1000, (2 * REFRESH_EVERY_MS) / 1000]);
    p.observe([{ kind: 'status', at: T0 + 25_000, enterpriseId: 'ent-1', gatewayId: 'gw-1', status: { v: 1, state: 'offline', ts: T0, agent: 'a/1' } }]);
    expect(pushed.at(-1)).toMatchObject({ reportedState: 'offline', agent: 'a/1', buffered: null, lastSeq: 24, clockOffsetMs: 20 });
    // An unknown gateway (not configured) is ignored, never added.
    p.observe([{ ...telemetry(T0, 1, T0), gatewayId: 'gw-x' } as EngineInput]);
    expect(p.views().map((v) => v.gatewayId)).toEqual(['gw-1', 'gw-9']);
  });

  it('takes the smallest at − sentAt of the window: a backlog does not look like a skewed clock once live batches come', () => {
    const pushed: GatewayLive[] = [];
    const p = new GatewayPresence(site, (v) => pushed.push(v));
    const offset = () => p.views()[0]!.clockOffsetMs;
    // A backlog sent 5 minutes late, then live batches: the offset falls to the live transit at once.
    p.observe([telemetry(T0, 1, T0 - 300_000)]);
    expect(offset()).toBe(300_000);
    p.observe([telemetry(T0 + 100, 2, T0 + 100 - 30)]);
    expect(offset()).toBe(30);
    expect(pushed.at(-1)?.clockOffsetMs).toBe(30);
    // A clock set ahead shows at once (a smaller sample)…
    p.observe([telemetry(T0 + 200, 3, T0 + 200 + 8000)]);
    expect(offset()).toBe(-8000);
    // …one set back (a larger sample) once the window holding the old samples has passed.
    p.observe([telemetry(T0 + OFFSET_WINDOW_MS, 4, T0 + OFFSET_WINDOW_MS - 5000)]);
    expect(offset()).toBe(-8000);
    p.observe([telemetry(T0 + 2 * OFFSET_WINDOW_MS, 5, T0 + 2 * OFFSET_WINDOW_MS - 5000)]);
    expect(offset()).toBe(5000);
    expect(pushed.at(-1)?.clockOffsetMs).toBe(5000);
  });

  it('takes no sample from batches while its status says a backlog drains, and one from each online status', () => {
    const p = new GatewayPresence(site, () => undefined);
    const offset = () => p.views()[0]!.clockOffsetMs;
    const status = (at: number, ts: number, buffered: number, agent = 'hazwatch-agent/1.0.0'): EngineInput => ({ kind: 'status', at, enterpriseId: 'ent-1', gatewayId: 'gw-1', status: { v: 1, state: 'online', ts, agent, buffered } });
    // Back after an hour: the birth status (said live, 40 ms in transit) and a backlog an hour old.
    p.observe([status(T0, T0 - 40, 3600)]);
    expect(offset()).toBe(40);
    for (let i = 0; i < 120; i++) p.observe([telemetry(T0 + 20 * i, i, T0 - 3_600_000 + 1000 * i)]);
    expect(offset()).toBe(40);
    // Drained: batches are samples again.
    p.observe([status(T0 + 3000, T0 + 3000 - 25, 0)]);
    p.observe([telemetry(T0 + 3100, 200, T0 + 3100 - 30)]);
    expect(offset()).toBe(25);
    // A status the platform writes for a gateway it cut off is not the gateway's agent.
    p.observe([{ kind: 'status', at: T0 + 4000, enterpriseId: 'ent-1', gatewayId: 'gw-1', status: { v: 1, state: 'offline', ts: T0 + 4000, agent: 'hazwatch-platform: credential withdrawn' } }]);
    expect(p.views()[0]).toMatchObject({ reportedState: 'offline', agent: 'hazwatch-agent/1.0.0', buffered: null });
  });

  it('a platform clock stepped back makes the refresh due rather than holding it off', () => {
    const pushed: GatewayLive[] = [];
    const p = new GatewayPresence(site, (v) => pushed.push(v));
    p.observe([telemetry(T0, 1, T0)]);
    p.observe([telemetry(T0 - 60_000, 2, T0 - 60_000)]);
    expect(pushed.map((v) => v.lastSeq)).toEqual([1, 2]);
  });

  it('a revision drops removed gateways and keeps what the others knew', () => {
    const p = new GatewayPresence(site, () => undefined);
    p.observe([telemetry(T0, 5, T0)]);
    const next = structuredClone(site);
    next.enterprises[1]!.gateways = [];
    p.setSite(next);
    expect(p.views().map((v) => [v.gatewayId, v.lastSeq])).toEqual([['gw-1', 5]]);
  });
});
