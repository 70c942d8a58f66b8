// A credential withdrawn stops working on connections already open with it, not only on new ones:
// socket.io dashboards (a user disabled, logged out, moved to another enterprise; a token revoked; a
// session ended) and the embedded broker (a gateway's secret rotated or withdrawn, a token revoked).
// A change made through the server acts at once: `events` runs with its periodic recheck out of reach,
// so only the change events can close anything there. A change made by another process (the CLI, the
// store directly) is found by the periodic recheck: `polled` runs it every 300 ms.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents, WorkshopLive } from '@hazwatch/protocols';
import { runGatewayCredentials } from '../src/cli/security.ts';
import { batch, connectGateway, getJson, startTestServer, tempDir, waitFor, type TestServer } from './helpers.ts';

const SITE = fileURLToPath(new URL('./fixtures/two-tenants.yaml', import.meta.url));
type Entry = { id: number; action: string; outcome: string; actor: string | null; enterpriseId: string | null; target: string | null; detail: Record<string, unknown> | null };
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
/** Longer than any test here: on `events` a close can only come from a change event. */
const NEVER_MS = 600_000;
/** How long a close caused by a change through the server may take (it is synchronous with the change). */
const AT_ONCE_MS = 2_000;
const POLL_MS = 300;

/** Whether a connection is closed by the far end: true once it is, false if it still is not after `ms`. */
function closedWithin(c: Client | MqttClient, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(t);
      resolve(true);
    };
    // A socket.io client says `disconnect`; an MQTT client `close` (its `disconnect` is an MQTT 5 packet).
    if (c instanceof mqtt.MqttClient) c.once('close', done);
    else c.once('disconnect', done);
  });
}

describe('withdrawn credentials close the connections open with them', () => {
  const tmp = tempDir();
  let events: TestServer;
  let polled: TestServer;
  const sockets: Client[] = [];
  const clients: MqttClient[] = [];

  /** `listen`: handlers attached before it connects (the state is sent right after). */
  const socketWith = async (server: TestServer, auth: { cookie?: string; token?: string }, listen?: (s: Client) => void): Promise<Client> => {
    const s: Client = connectSocket(server.httpUrl, {
      transports: ['websocket'],
      reconnection: false,
      ...(auth.cookie ? { extraHeaders: { cookie: auth.cookie } } : {}),
      ...(auth.token ? { auth: { token: auth.token } } : {}),
    });
    listen?.(s);
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    return s;
  };
  const logSince = async (server: TestServer, mark: number) => (await getJson<Entry[]>(server, '/api/v1/security/log?limit=1000')).filter((e) => e.id > mark);
  const mark = async (server: TestServer) => (await getJson<{ id: number }[]>(server, '/api/v1/security/log?limit=1'))[0]?.id ?? 0;

  beforeAll(async () => {
    events = await startTestServer(join(tmp.dir, 'events'), { site: SITE, start: { authRecheckMs: NEVER_MS } });
    polled = await startTestServer(join(tmp.dir, 'polled'), { site: SITE, start: { authRecheckMs: POLL_MS } });
  }, 30_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await events?.close();
    await polled?.close();
    tmp.remove();
  });

  it('socket.io: a user disabled, logged out or moved loses the open connection at once; others keep theirs', async () => {
    const m = await mark(events);
    const [a, b, c, d] = await Promise.all(['sock-a', 'sock-b', 'sock-c', 'sock-d'].map((u) => events.loginAs(u, 'operator', { enterpriseId: 'ent-1' })));
    const [sa, sb, sc, sd] = await Promise.all([a, b, c, d].map((cookie) => socketWith(events, { cookie })));
    const id = (u: string) => events.auth.store.userByName(u)!.id;
    const closedA = closedWithin(sa!, AT_ONCE_MS);
    expect((await events.app.inject({ method: 'PATCH', url: `/api/v1/users/${id('sock-a')}`, payload: { disabled: true } })).statusCode).toBe(200);
    expect(await closedA).toBe(true);
    const closedB = closedWithin(sb!, AT_ONCE_MS);
    expect((await events.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: b } })).statusCode).toBe(204);
    expect(await closedB).toBe(true);
    // Moved to another enterprise: the connection made for ent-1 must not go on receiving ent-1.
    const closedC = closedWithin(sc!, AT_ONCE_MS);
    expect((await events.app.inject({ method: 'PATCH', url: `/api/v1/users/${id('sock-c')}`, payload: { enterpriseId: 'ent-2' } })).statusCode).toBe(200);
    expect(await closedC).toBe(true);
    // Untouched by those changes.
    expect(sd!.connected).toBe(true);
    // A closed one cannot come back with the same cookie.
    await expect(socketWith(events, { cookie: a })).rejects.toThrow(/unauthenticated/);
    // In the log, under the enterprise of each (so its admin sees them).
    // Its move is logged as what it is: a change of scope, not of role.
    expect((await logSince(events, m)).find((e) => e.target === 'sock-c' && e.action.startsWith('user.'))).toMatchObject({ action: 'user.scope-changed', enterpriseId: 'ent-2' });
    const closed = (await logSince(events, m)).filter((e) => e.action === 'socket.closed');
    expect(closed.map((e) => `${e.actor}:${e.enterpriseId}:${String(e.detail?.reason)}`).sort()).toEqual([
      'sock-a:ent-1:credentials-withdrawn',
      'sock-b:ent-1:credentials-withdrawn',
      'sock-c:ent-1:credentials-withdrawn',
    ]);
  });

  it('socket.io: a token revoked loses the connection at once; a session ended by another process at the next recheck', async () => {
    const issued = await events.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'wall', role: 'operator', enterpriseId: 'ent-1' } });
    const { token, id } = issued.json<{ token: string; id: string }>();
    const st = await socketWith(events, { token });
    const closedT = closedWithin(st, AT_ONCE_MS);
    expect((await events.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}` })).statusCode).toBe(204);
    expect(await closedT).toBe(true);

    // No event for this one (as for an expiry, or the CLI): the periodic recheck finds it.
    const cookie = await polled.loginAs('sock-e', 'operator', { enterpriseId: 'ent-1' });
    const se = await socketWith(polled, { cookie });
    const closedE = closedWithin(se, POLL_MS * 10);
    polled.auth.store.revokeUserSessions(polled.auth.store.userByName('sock-e')!.id, Date.now());
    expect(await closedE).toBe(true);
  });

  it('socket.io: a site revision moving an enterprise into or out of a regulator\'s region moves the open connection with it', async () => {
    const cookie = await events.loginAs('reg-zibo', 'regulator', { region: '370306' });
    const seen: string[] = [];
    await socketWith(events, { cookie }, (s) => s.on('workshop', (w: WorkshopLive) => seen.push(w.enterpriseId)));
    await waitFor(() => seen.includes('ent-1'), 'ent-1 in the initial state');
    // A regulator's integration reading ent-1's alarms over MQTT.
    const { token } = (await events.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'zibo-bureau', role: 'regulator', region: '370306' } })).json<{ token: string }>();
    const reader = await mqtt.connectAsync(events.mqttUrl, { clientId: 'zibo-bureau', reconnectPeriod: 0, username: 'token', password: token });
    clients.push(reader);
    const granted = await reader.subscribeAsync('hazwatch/v1/ent-1/alarms/#', { qos: 1 });
    expect(granted[0]!.qos).toBe(1);
    const readerClosed = closedWithin(reader, AT_ONCE_MS * 2);
    // ent-1 moves to Beijing, ent-2 to Zibo.
    const text = readFileSync(SITE, 'utf8').replace('region: "370306"', 'region: "TMP"').replace('region: "110105"', 'region: "370306"').replace('region: "TMP"', 'region: "110105"');
    expect((await events.app.inject({ method: 'PUT', url: '/api/v1/site', payload: text, headers: { 'content-type': 'application/yaml' } })).statusCode).toBe(200);
    await waitFor(() => seen.includes('ent-2'), 'ent-2 sent once it is in the region');
    // Its MQTT reader was subscribed to an enterprise now outside the region: closed. Reconnecting, it
    // may subscribe to ent-2 and not to ent-1.
    expect(await readerClosed).toBe(true);
    const again = await mqtt.connectAsync(events.mqttUrl, { clientId: 'zibo-bureau-2', reconnectPeriod: 0, username: 'token', password: token });
    clients.push(again);
    expect((await again.subscribeAsync('hazwatch/v1/ent-2/alarms/#', { qos: 1 }))[0]!.qos).toBe(1);
    await expect(again.subscribeAsync('hazwatch/v1/ent-1/alarms/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await again.endAsync();
    seen.length = 0;
    // Both gateways report; the views go out together (coalesced): ent-2's arrives, ent-1's must not.
    const [g1, g9] = [await connectGateway(events.mqttUrl, 'gw-1'), await connectGateway(events.mqttUrl, 'gw-9', { enterpriseId: 'ent-2' })];
    clients.push(g1, g9);
    await g1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }])), { qos: 1 });
    await g9.publishAsync('hazwatch/v1/ent-2/gw-9/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-z', ts: Date.now(), headcount: { total: 1 } }], 'gw-9')), { qos: 1 });
    await waitFor(() => seen.includes('ent-2'), 'ent-2 live view');
    expect(seen).not.toContain('ent-1');
    await g1.endAsync();
    await g9.endAsync();
  });

  it('MQTT: a site revision closes only the readers now outside their scope, and a session they kept delivers nothing of the enterprise they lost', async () => {
    // (The test before moved ent-2 into Zibo's region 370306; this revision moves it out again.)
    const m = await mark(events);
    const issue = async (payload: Record<string, unknown>) => (await events.app.inject({ method: 'POST', url: '/api/v1/tokens', payload })).json<{ token: string }>().token;
    const zibo = await issue({ name: 'zibo-kept', role: 'regulator', region: '370306' });
    const kept = { clientId: 'zibo-kept', clean: false, reconnectPeriod: 0, username: 'token', password: zibo };
    const a = await mqtt.connectAsync(events.mqttUrl, kept);
    clients.push(a);
    await a.subscribeAsync('hazwatch/v1/ent-2/alarms/#', { qos: 1 });
    const b = await mqtt.connectAsync(events.mqttUrl, { clientId: 'province', reconnectPeriod: 0, username: 'token', password: await issue({ name: 'province', role: 'admin' }) });
    clients.push(b);
    const bTopics: string[] = [];
    b.on('message', (t) => bTopics.push(t));
    await b.subscribeAsync('hazwatch/v1/+/alarms/#', { qos: 1 });
    const [g1, g9] = [await connectGateway(events.mqttUrl, 'gw-1'), await connectGateway(events.mqttUrl, 'gw-9', { enterpriseId: 'ent-2' })];
    clients.push(g1, g9);
    const aClosed = closedWithin(a, AT_ONCE_MS * 2);

    const text = readFileSync(SITE, 'utf8');
    expect((await events.app.inject({ method: 'PUT', url: '/api/v1/site', payload: text, headers: { 'content-type': 'application/yaml' } })).statusCode).toBe(200);
    expect(await aClosed).toBe(true);
    // The admin's reader and the gateways stay, and work: ent-2 over its limit raises an alarm the admin's reader gets.
    await g9.publishAsync('hazwatch/v1/ent-2/gw-9/telemetry', JSON.stringify(batch(50, [{ workshopId: 'ws-z', ts: Date.now(), headcount: { total: 2 } }], 'gw-9')), { qos: 1 });
    await waitFor(() => bTopics.some((t) => t.startsWith('hazwatch/v1/ent-2/alarms/')), 'the ent-2 alarm at the admin reader');
    expect(b.connected && g1.connected && g9.connected).toBe(true);

    // Back with its kept session: what was queued for ent-2 meanwhile is held back; ent-1 (now its) arrives.
    const topics: string[] = [];
    const again = await mqtt.connectAsync(events.mqttUrl, { ...kept, clientId: 'zibo-kept' });
    clients.push(again);
    again.on('message', (t) => topics.push(t));
    await again.subscribeAsync('hazwatch/v1/ent-1/alarms/#', { qos: 1 });
    await g1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(50, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 3 } }])), { qos: 1 });
    await waitFor(() => topics.some((t) => t.startsWith('hazwatch/v1/ent-1/alarms/')), 'an ent-1 alarm at the reconnected reader');
    expect(topics.filter((t) => t.startsWith('hazwatch/v1/ent-2/'))).toEqual([]);
    const closes = (await logSince(events, m)).filter((e) => e.action === 'mqtt.disconnected');
    expect(closes.map((e) => [e.actor, e.detail?.reason])).toEqual([['token:zibo-kept', 'scope-changed']]);
    for (const c of [again, b, g1, g9]) await c.endAsync();
  });

  it('MQTT: a gateway whose secret is rotated or withdrawn is disconnected at once and reported offline; the new secret works, the old does not', async () => {
    const m = await mark(events);
    const gw1 = await connectGateway(events.mqttUrl, 'gw-1-live', { gatewayId: 'gw-1' });
    clients.push(gw1);
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(100, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }])), { qos: 1 });
    const wsA = async () => (await getJson<WorkshopLive[]>(events, '/api/v1/workshops')).find((w) => w.workshopId === 'ws-a')!;
    await waitFor(async () => (await wsA()).status === 'normal', 'ws-a reported and normal');
    const closed1 = closedWithin(gw1, AT_ONCE_MS);
    const rotated = await events.app.inject({ method: 'POST', url: '/api/v1/gateways/ent-1/gw-1/credentials/rotate' });
    expect(rotated.statusCode).toBe(200);
    expect(await closed1).toBe(true);
    // Its will is not taken (written under the withdrawn secret); the platform reports it offline instead,
    // long before the site's offlineAfterSeconds (600 s).
    await waitFor(async () => (await wsA()).status === 'unverifiable', 'ws-a unverifiable once its gateway is cut off', 5_000);
    // The secret it had (the test secret) is refused now; the new one is taken.
    await expect(connectGateway(events.mqttUrl, 'gw-1-old', { gatewayId: 'gw-1' })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    const fresh = await mqtt.connectAsync(events.mqttUrl, { clientId: 'gw-1-new', reconnectPeriod: 0, username: 'ent-1/gw-1', password: rotated.json<{ password: string }>().password });
    clients.push(fresh);

    // Withdrawn: gone, and refused from then on (404 once there is nothing left to withdraw).
    const closedFresh = closedWithin(fresh, AT_ONCE_MS);
    expect((await events.app.inject({ method: 'DELETE', url: '/api/v1/gateways/ent-1/gw-1/credentials' })).statusCode).toBe(204);
    expect(await closedFresh).toBe(true);
    expect((await events.app.inject({ method: 'DELETE', url: '/api/v1/gateways/ent-1/gw-1/credentials' })).statusCode).toBe(404);
    await expect(mqtt.connectAsync(events.mqttUrl, { clientId: 'gw-1-again', reconnectPeriod: 0, connectTimeout: 2000, username: 'ent-1/gw-1', password: rotated.json<{ password: string }>().password })).rejects.toThrow(
      /Not authorized|Bad User Name or Password/i,
    );

    const log = await logSince(events, m);
    expect(log.filter((e) => e.action === 'mqtt.disconnected').map((e) => [e.actor, e.enterpriseId])).toEqual([
      ['ent-1/gw-1', 'ent-1'],
      ['ent-1/gw-1', 'ent-1'],
    ]);
    expect(log.find((e) => e.action === 'gateway.credential-revoked')).toMatchObject({ enterpriseId: 'ent-1', target: 'ent-1/gw-1' });
    // A refused sign-in as one of the site's gateways is in that enterprise's log; a made-up name is not.
    await expect(mqtt.connectAsync(events.mqttUrl, { clientId: 'made-up', reconnectPeriod: 0, connectTimeout: 2000, username: 'ent-1/gw-nonsuch', password: 'x' })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    const refused = (await logSince(events, m)).filter((e) => e.action === 'mqtt.connect-refused');
    expect(refused.filter((e) => e.actor === 'ent-1/gw-1').every((e) => e.enterpriseId === 'ent-1')).toBe(true);
    expect(refused.find((e) => e.actor === 'ent-1/gw-nonsuch')).toMatchObject({ enterpriseId: null });
    const ent1 = await getJson<Entry[]>(events, '/api/v1/security/log?enterpriseId=ent-1&limit=1000');
    expect(ent1.some((e) => e.action === 'mqtt.connect-refused')).toBe(true);
    expect(ent1.every((e) => e.enterpriseId === 'ent-1')).toBe(true);
  });

  it('MQTT: a revoked reader token is disconnected at once; a rotation by another process (the CLI) at the next recheck', async () => {
    const { token, id } = (await events.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'scada', role: 'operator', enterpriseId: 'ent-1' } })).json<{ token: string; id: string }>();
    const reader = await mqtt.connectAsync(events.mqttUrl, { clientId: 'scada', reconnectPeriod: 0, username: 'token', password: token });
    clients.push(reader);
    const closedR = closedWithin(reader, AT_ONCE_MS);
    expect((await events.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}` })).statusCode).toBe(204);
    expect(await closedR).toBe(true);

    const gw9 = await connectGateway(polled.mqttUrl, 'gw-9', { enterpriseId: 'ent-2' });
    clients.push(gw9);
    const gw1 = await connectGateway(polled.mqttUrl, 'gw-1');
    clients.push(gw1);
    const closed9 = closedWithin(gw9, POLL_MS * 10);
    const configFile = join(tmp.dir, 'cli.yaml');
    writeFileSync(configFile, `HAZWATCH_SITE: ${SITE}\nHAZWATCH_DATA_DIR: ${join(tmp.dir, 'polled')}\n`);
    const out: string[] = [];
    expect(await runGatewayCredentials(['rotate', 'ent-2/gw-9', '--config', configFile], { out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(0);
    expect(await closed9).toBe(true);
    // Another gateway is untouched by it, through several rechecks.
    expect(await closedWithin(gw1, POLL_MS * 4)).toBe(false);
    expect(gw1.connected).toBe(true);
  });
});
