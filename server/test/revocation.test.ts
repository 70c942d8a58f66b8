// A credential withdrawn stops working on connections already open with it, not only on new ones:
// socket.io dashboards (a user disabled, logged out, moved to another enterprise; a token revoked; a
// session expired) and the embedded broker (a gateway's secret rotated or withdrawn, a token revoked),
// through this server's API at once, and through another process (the CLI) by the periodic recheck.
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '@hazwatch/protocols';
import { runGatewayCredentials } from '../src/cli/security.ts';
import { connectGateway, getJson, startTestServer, tempDir, waitFor, type TestServer } from './helpers.ts';

const SITE = fileURLToPath(new URL('./fixtures/two-tenants.yaml', import.meta.url));
type Entry = { id: number; action: string; outcome: string; actor: string | null; enterpriseId: string | null; target: string | null; detail: Record<string, unknown> | null };
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

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
  let server: TestServer;
  const sockets: Client[] = [];
  const clients: MqttClient[] = [];
  const RECHECK_MS = 300;

  const socketWith = async (auth: { cookie?: string; token?: string }): Promise<Client> => {
    const s: Client = connectSocket(server.httpUrl, {
      transports: ['websocket'],
      reconnection: false,
      ...(auth.cookie ? { extraHeaders: { cookie: auth.cookie } } : {}),
      ...(auth.token ? { auth: { token: auth.token } } : {}),
    });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    return s;
  };
  const logSince = async (mark: number) => (await getJson<Entry[]>(server, '/api/v1/security/log?limit=1000')).filter((e) => e.id > mark);
  const mark = async () => (await getJson<{ id: number }[]>(server, '/api/v1/security/log?limit=1'))[0]?.id ?? 0;

  beforeAll(async () => {
    server = await startTestServer(tmp.dir, { site: SITE, start: { authRecheckMs: RECHECK_MS } });
  }, 30_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await server?.close();
    tmp.remove();
  });

  it('socket.io: a user disabled, logged out or moved loses the open connection; others keep theirs', async () => {
    const m = await mark();
    const [a, b, c, d] = await Promise.all(['sock-a', 'sock-b', 'sock-c', 'sock-d'].map((u) => server.loginAs(u, 'operator', { enterpriseId: 'ent-1' })));
    const [sa, sb, sc, sd] = await Promise.all([a, b, c, d].map((cookie) => socketWith({ cookie })));
    const id = (u: string) => server.auth.store.userByName(u)!.id;
    const closedA = closedWithin(sa!, 5_000);
    expect((await server.app.inject({ method: 'PATCH', url: `/api/v1/users/${id('sock-a')}`, payload: { disabled: true } })).statusCode).toBe(200);
    expect(await closedA).toBe(true);
    const closedB = closedWithin(sb!, 5_000);
    expect((await server.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: b } })).statusCode).toBe(204);
    expect(await closedB).toBe(true);
    // Moved to another enterprise: the connection made for ent-1 must not go on receiving ent-1.
    const closedC = closedWithin(sc!, 5_000);
    expect((await server.app.inject({ method: 'PATCH', url: `/api/v1/users/${id('sock-c')}`, payload: { enterpriseId: 'ent-2' } })).statusCode).toBe(200);
    expect(await closedC).toBe(true);
    // Untouched: still open after several rechecks.
    expect(await closedWithin(sd!, RECHECK_MS * 4)).toBe(false);
    expect(sd!.connected).toBe(true);
    // And a closed one cannot come back with the same cookie.
    await expect(socketWith({ cookie: a })).rejects.toThrow(/unauthenticated/);
    const closed = (await logSince(m)).filter((e) => e.action === 'socket.closed');
    expect(closed.map((e) => `${e.actor}:${String(e.detail?.reason)}`).sort()).toEqual(['sock-a:credentials-withdrawn', 'sock-b:credentials-withdrawn', 'sock-c:credentials-withdrawn']);
  });

  it('socket.io: a token revoked, or a session that expires while open, loses the connection', async () => {
    const issued = await server.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'wall', role: 'operator', enterpriseId: 'ent-1' } });
    const { token, id } = issued.json<{ token: string; id: string }>();
    const st = await socketWith({ token });
    const closedT = closedWithin(st, 5_000);
    expect((await server.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}` })).statusCode).toBe(204);
    expect(await closedT).toBe(true);

    // No event for an expiry: the periodic recheck finds it (here made to expire by hand in the store).
    const cookie = await server.loginAs('sock-e', 'operator', { enterpriseId: 'ent-1' });
    const se = await socketWith({ cookie });
    const closedE = closedWithin(se, 5_000);
    server.auth.store.revokeUserSessions(server.auth.store.userByName('sock-e')!.id, Date.now());
    expect(await closedE).toBe(true);
  });

  it('MQTT: a gateway whose secret is rotated or withdrawn is disconnected; the new secret works, the old does not', async () => {
    const m = await mark();
    const gw1 = await connectGateway(server.mqttUrl, 'gw-1');
    clients.push(gw1);
    const closed1 = closedWithin(gw1, 5_000);
    const rotated = await server.app.inject({ method: 'POST', url: '/api/v1/gateways/ent-1/gw-1/credentials/rotate' });
    expect(rotated.statusCode).toBe(200);
    expect(await closed1).toBe(true);
    await expect(connectGateway(server.mqttUrl, 'gw-1-old')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    const fresh = await mqtt.connectAsync(server.mqttUrl, { clientId: 'gw-1-new', reconnectPeriod: 0, username: 'ent-1/gw-1', password: rotated.json<{ password: string }>().password });
    clients.push(fresh);

    // Withdrawn: gone, and refused from then on (404 once there is nothing left to withdraw).
    const closedFresh = closedWithin(fresh, 5_000);
    expect((await server.app.inject({ method: 'DELETE', url: '/api/v1/gateways/ent-1/gw-1/credentials' })).statusCode).toBe(204);
    expect(await closedFresh).toBe(true);
    expect((await server.app.inject({ method: 'DELETE', url: '/api/v1/gateways/ent-1/gw-1/credentials' })).statusCode).toBe(404);
    await expect(mqtt.connectAsync(server.mqttUrl, { clientId: 'gw-1-again', reconnectPeriod: 0, connectTimeout: 2000, username: 'ent-1/gw-1', password: rotated.json<{ password: string }>().password })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);

    const log = await logSince(m);
    expect(log.filter((e) => e.action === 'mqtt.disconnected').map((e) => [e.actor, e.enterpriseId])).toEqual([
      ['ent-1/gw-1', 'ent-1'],
      ['ent-1/gw-1', 'ent-1'],
    ]);
    expect(log.find((e) => e.action === 'gateway.credential-revoked')).toMatchObject({ enterpriseId: 'ent-1', target: 'ent-1/gw-1' });
    // A refused sign-in under one of the site's gateways is in that enterprise's log.
    expect(log.filter((e) => e.action === 'mqtt.connect-refused').every((e) => e.enterpriseId === 'ent-1')).toBe(true);
    const ent1 = await getJson<Entry[]>(server, '/api/v1/security/log?enterpriseId=ent-1&limit=1000');
    expect(ent1.some((e) => e.action === 'mqtt.connect-refused')).toBe(true);
    expect(ent1.every((e) => e.enterpriseId === 'ent-1')).toBe(true);
  });

  it('MQTT: a rotation by another process (the CLI) closes the connection at the next recheck; a revoked reader token too', async () => {
    const gw9 = await connectGateway(server.mqttUrl, 'gw-9', { enterpriseId: 'ent-2' });
    clients.push(gw9);
    const closed9 = closedWithin(gw9, 5_000);
    const configFile = join(tmp.dir, 'cli.yaml');
    writeFileSync(configFile, `HAZWATCH_SITE: ${SITE}\nHAZWATCH_DATA_DIR: ${tmp.dir}\n`);
    const out: string[] = [];
    expect(await runGatewayCredentials(['rotate', 'ent-2/gw-9', '--config', configFile], { out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(0);
    expect(await closed9).toBe(true);

    const { token, id } = (await server.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'scada', role: 'operator', enterpriseId: 'ent-1' } })).json<{ token: string; id: string }>();
    const reader = await mqtt.connectAsync(server.mqttUrl, { clientId: 'scada', reconnectPeriod: 0, username: 'token', password: token });
    clients.push(reader);
    const closedR = closedWithin(reader, 5_000);
    expect((await server.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}` })).statusCode).toBe(204);
    expect(await closedR).toBe(true);
    // Another gateway (gw-1, its credential issued anew) is untouched by all that.
    const issued = await server.app.inject({ method: 'POST', url: '/api/v1/gateways/ent-1/gw-1/credentials' });
    expect(issued.statusCode).toBe(201);
    const gw1 = await mqtt.connectAsync(server.mqttUrl, { clientId: 'gw-1-reissued', reconnectPeriod: 0, username: 'ent-1/gw-1', password: issued.json<{ password: string }>().password });
    clients.push(gw1);
    expect(await closedWithin(gw1, RECHECK_MS * 4)).toBe(false);
    await waitFor(() => gw1.connected, 'gw-1 still connected');
  });
});
