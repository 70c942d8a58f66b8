// Issue 6, "Done when": every refusal is tried against the real server (HTTP, socket.io, the embedded
// broker) and must be both refused and written to the security log.
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GatewayCredentialInfo, SecurityLogEntry, TokenInfo, UserAccount, type AlarmRecord, type ClientToServerEvents, type ServerToClientEvents, type WorkshopLive } from '@hazwatch/protocols';
import { batch, connectGateway, getJson, startTestServer, tempDir, waitFor, type TestServer } from './helpers.ts';

const SITE = fileURLToPath(new URL('./fixtures/two-tenants.yaml', import.meta.url));
type Entry = { action: string; outcome: string; actor: string | null; enterpriseId: string | null; target: string | null; detail: Record<string, unknown> | null };

describe('security: isolation and refusals, each logged', () => {
  const tmp = tempDir();
  let server: TestServer;
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];
  let ent2Alarm: AlarmRecord;
  let opCookie: string;

  /** The entries written since `mark`, newest first. */
  const logSince = async (mark: number, action?: string) =>
    (await getJson<(Entry & { id: number })[]>(server, `/api/v1/security/log?limit=1000${action ? `&action=${action}` : ''}`)).filter((e) => e.id > mark);
  const mark = async () => (await getJson<{ id: number }[]>(server, '/api/v1/security/log?limit=1'))[0]?.id ?? 0;
  const as = (cookie: string, url: string) => server.app.inject({ url, headers: { cookie } });

  beforeAll(async () => {
    server = await startTestServer(tmp.dir, { site: SITE });
    // An alarm at ent-2 for the cross-tenant reads.
    const gw9 = await connectGateway(server.mqttUrl, 'gw-9', { enterpriseId: 'ent-2' });
    clients.push(gw9);
    await gw9.publishAsync('hazwatch/v1/ent-2/gw-9/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-z', ts: Date.now(), headcount: { total: 3 } }], 'gw-9')), { qos: 1 });
    ent2Alarm = await waitFor(async () => (await getJson<AlarmRecord[]>(server, '/api/v1/alarms?state=active&enterpriseId=ent-2'))[0], 'an alarm at ent-2');
    opCookie = await server.loginAs('op1', 'operator', { enterpriseId: 'ent-1' });
  }, 30_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) await c.endAsync(true);
    await server?.close();
    tmp.remove();
  });

  it("an operator reading another enterprise's workshops, alarms, exports and statistics: refused and logged", async () => {
    const m = await mark();
    // Lists silently show only the own enterprise…
    const ws = (await as(opCookie, '/api/v1/workshops')).json() as WorkshopLive[];
    expect(ws.map((w) => w.enterpriseId)).toEqual(['ent-1']);
    expect(((await as(opCookie, '/api/v1/alarms?state=all')).json() as AlarmRecord[]).some((a) => a.enterpriseId === 'ent-2')).toBe(false);
    const stats = (await as(opCookie, '/api/v1/alarms/stats')).json() as { byEnterprise: Record<string, number> };
    expect(stats.byEnterprise['ent-2']).toBeUndefined();
    // Notification totals: its own deliveries only, without the platform's failure counters.
    const notif = await as(opCookie, '/api/v1/notifications/stats');
    expect(notif.statusCode).toBe(200);
    expect(notif.json()).toEqual({ deliveries: { pending: 0, delivered: 0, dead: 0 } });
    const site = (await as(opCookie, '/api/v1/site')).json() as { site: { enterprises: { id: string }[] } };
    expect(site.site.enterprises.map((e) => e.id)).toEqual(['ent-1']);
    // …and naming the other one is refused.
    const refused = [
      ['/api/v1/workshops?enterpriseId=ent-2', 403],
      ['/api/v1/lines?enterpriseId=ent-2', 403],
      ['/api/v1/alarms?enterpriseId=ent-2', 403],
      ['/api/v1/alarms/export.csv?enterpriseId=ent-2', 403],
      ['/api/v1/alarms/stats?enterpriseId=ent-2', 403],
      ['/api/v1/notifications/stats?enterpriseId=ent-2', 403],
      ['/api/v1/telemetry/workshops/ws-z', 403],
      [`/api/v1/alarms/${ent2Alarm.id}`, 404],
      [`/api/v1/telemetry/alarms/${ent2Alarm.id}`, 404],
      ['/api/v1/reports/enterprises/ent-2/2026-03', 403],
      ['/api/v1/audit?enterpriseId=ent-2', 403],
      ['/api/v1/ledger', 403],
      ['/api/v1/ingest/dead-letters', 403],
    ] as const;
    for (const [url, status] of refused) expect((await as(opCookie, url)).statusCode, url).toBe(status);
    const ack = await server.app.inject({ method: 'POST', url: `/api/v1/alarms/${ent2Alarm.id}/acknowledge`, payload: {}, headers: { cookie: opCookie } });
    expect(ack.statusCode).toBe(403);

    const logged = await logSince(m, 'http.forbidden');
    expect(logged).toHaveLength(refused.length + 1);
    for (const e of logged) expect(e).toMatchObject({ outcome: 'denied', actor: 'op1' });
    for (const [url] of refused) expect(logged.some((e) => e.target === `GET ${url.split('?')[0]}` || e.target?.startsWith('alarm ')), url).toBe(true);
    expect(logged.filter((e) => e.enterpriseId === 'ent-2').length).toBeGreaterThanOrEqual(8);
  });

  it("an operator asking socket.io for another enterprise's room: refused and logged; only own events arrive", async () => {
    const m = await mark();
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connectSocket(server.httpUrl, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: opCookie } });
    sockets.push(socket);
    const seen: string[] = [];
    socket.on('workshop', (w) => seen.push(w.enterpriseId));
    socket.on('alarm', (e) => seen.push(e.alarm.enterpriseId));
    await waitFor(() => socket.connected && seen.length > 0, 'the operator socket and its state');
    expect(await socket.emitWithAck('subscribe', { enterpriseId: 'ent-2' })).toMatchObject({ ok: false, error: expect.stringContaining('forbidden') });
    // A change at ent-2 is not pushed to ent-1's operator.
    const gw9 = clients[0]!;
    await gw9.publishAsync('hazwatch/v1/ent-2/gw-9/telemetry', JSON.stringify(batch(2, [{ workshopId: 'ws-z', ts: Date.now(), headcount: { total: 0 } }], 'gw-9')), { qos: 1 });
    const gw1 = await connectGateway(server.mqttUrl, 'gw-1');
    clients.push(gw1);
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }])), { qos: 1 });
    await waitFor(() => seen.length > 1, 'ent-1 pushes');
    expect(new Set(seen)).toEqual(new Set(['ent-1']));
    expect(await logSince(m, 'socket.subscribe-refused')).toMatchObject([{ actor: 'op1', enterpriseId: 'ent-2', outcome: 'denied' }]);

    // Without a session the handshake itself is refused, and a forged one is logged.
    const anon = connectSocket(server.httpUrl, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: 'hazwatch_session=forged' } });
    sockets.push(anon);
    const err = await new Promise<Error>((resolve) => anon.once('connect_error', resolve));
    expect(err.message).toBe('unauthenticated');
    expect(await logSince(m, 'socket.handshake-refused')).toMatchObject([{ outcome: 'denied', detail: { reason: 'forged' } }]);
  });

  it('a regulator outside their region: refused and logged; inside it, read and comment', async () => {
    const m = await mark();
    const reg = await server.loginAs('reg-zibo', 'regulator', { region: '3703' });
    expect(((await as(reg, '/api/v1/workshops')).json() as WorkshopLive[]).map((w) => w.enterpriseId)).toEqual(['ent-1']);
    for (const url of ['/api/v1/reports/regions/110105/2026-03', '/api/v1/reports/enterprises/ent-2/2026-03', '/api/v1/alarms?enterpriseId=ent-2', '/api/v1/audit?region=11']) {
      expect((await as(reg, url)).statusCode, url).toBe(403);
    }
    expect((await as(reg, `/api/v1/alarms/${ent2Alarm.id}`)).statusCode).toBe(404);
    // A regulator reads and comments but does not acknowledge.
    expect((await as(reg, '/api/v1/reports/regions/370306/2026-03')).statusCode).toBe(200);
    const gw1 = clients.find((c) => c.options.clientId === 'gw-1')!;
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(2, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 5 } }])), { qos: 1 });
    const own = await waitFor(async () => ((await as(reg, '/api/v1/alarms?state=active')).json() as AlarmRecord[])[0], 'an alarm at ent-1');
    const post = (path: string, payload: Record<string, unknown>) => server.app.inject({ method: 'POST', url: `/api/v1/alarms/${own.id}/${path}`, payload, headers: { cookie: reg } });
    expect((await post('acknowledge', {})).statusCode).toBe(403);
    expect((await post('rectification-requests', { text: '限期整改' })).json()).toMatchObject({ alarm: { comments: [{ by: 'reg-zibo', text: '【整改要求】限期整改' }] } });
    const logged = await logSince(m, 'http.forbidden');
    expect(logged.length).toBe(6);
    for (const e of logged) expect(e).toMatchObject({ actor: 'reg-zibo', outcome: 'denied' });
  });

  it("a gateway publishing under another gateway's prefix, or for a workshop not bound to it: refused and logged", async () => {
    const m = await mark();
    const gw1 = await connectGateway(server.mqttUrl, 'gw-1-b', { gatewayId: 'gw-1' });
    clients.push(gw1);
    const closed = new Promise<void>((resolve) => gw1.once('close', () => resolve()));
    // The broker refuses the publish (and drops the connection): nothing reaches ingest.
    gw1.publish('hazwatch/v1/ent-2/gw-9/telemetry', JSON.stringify(batch(77, [{ workshopId: 'ws-z', ts: Date.now(), headcount: { total: 9 } }], 'gw-9')), { qos: 1 });
    await closed;
    // A subscription to another gateway's config is refused (SUBACK 0x80).
    const gw1b = await connectGateway(server.mqttUrl, 'gw-1-c', { gatewayId: 'gw-1' });
    clients.push(gw1b);
    await expect(gw1b.subscribeAsync('hazwatch/v1/ent-2/gw-9/config', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    // Its own prefix but a workshop another gateway reports: ingest refuses it.
    await gw1b.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(3, [{ workshopId: 'ws-z', ts: Date.now(), headcount: { total: 9 } }])), { qos: 1 });
    // Wrong secret, and no credentials at all: no connection.
    await expect(mqtt.connectAsync(server.mqttUrl, { clientId: 'x', username: 'ent-1/gw-1', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(mqtt.connectAsync(server.mqttUrl, { clientId: 'y', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);

    expect(await server.telemetry.query({ enterpriseId: 'ent-2', workshopId: 'ws-z', limit: 100 })).toHaveLength(2);
    expect((await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-z', limit: 100 })).length).toBe(0);
    const logged = await waitFor(async () => {
      const l = await logSince(m);
      return l.some((e) => e.action === 'mqtt.ingest-refused') ? l : undefined;
    }, 'the ingest refusal in the security log');
    expect(logged.find((e) => e.action === 'mqtt.publish-refused')).toMatchObject({ actor: 'ent-1/gw-1', enterpriseId: 'ent-1', target: 'hazwatch/v1/ent-2/gw-9/telemetry' });
    expect(logged.find((e) => e.action === 'mqtt.subscribe-refused')).toMatchObject({ actor: 'ent-1/gw-1', target: 'hazwatch/v1/ent-2/gw-9/config' });
    expect(logged.find((e) => e.action === 'mqtt.ingest-refused')).toMatchObject({ actor: 'ent-1/gw-1', detail: { reason: 'unbound-workshop' } });
    expect(logged.filter((e) => e.action === 'mqtt.connect-refused').map((e) => e.detail?.reason)).toEqual(['no credentials', 'wrong gateway credentials']);
  });

  it('an operator acknowledges and comments, but assigning, closing and shelving are refused and logged', async () => {
    const gw1 = clients.find((c) => c.options.clientId === 'gw-1')!;
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(3, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 6 } }])), { qos: 1 });
    const own = await waitFor(async () => ((await as(opCookie, '/api/v1/alarms?state=active')).json() as AlarmRecord[])[0], 'an alarm at ent-1');
    const m = await mark();
    const post = (path: string, payload: Record<string, unknown>) => server.app.inject({ method: 'POST', url: `/api/v1/alarms/${own.id}/${path}`, payload, headers: { cookie: opCookie } });
    expect((await post('acknowledge', { comment: '已到现场' })).statusCode).toBe(200);
    expect((await post('comments', { text: '人员已撤离' })).statusCode).toBe(200);
    expect((await post('assign', { assignee: '张工' })).statusCode).toBe(403);
    expect((await post('close', { rectification: '已整改' })).statusCode).toBe(403);
    expect((await post('shelve', { reason: '检修', minutes: 30 })).statusCode).toBe(403);
    expect((await logSince(m, 'http.forbidden')).map((e) => e.actor)).toEqual(['op1', 'op1', 'op1']);
  });

  it('an enterprise admin uploads the part of the site it sees; other enterprises stay; naming another is refused', async () => {
    const admin1 = await server.loginAs('ent1-admin', 'enterprise-admin', { enterpriseId: 'ent-1' });
    const seen = (await as(admin1, '/api/v1/site')).json() as { site: { enterprises: { id: string; workshops: { id: string; staffingLimit?: number }[] }[] } };
    expect(seen.site.enterprises.map((e) => e.id)).toEqual(['ent-1']);
    const mine = structuredClone(seen.site);
    mine.enterprises[0]!.workshops[0]!.staffingLimit = 3;
    const put = (doc: unknown) => server.app.inject({ method: 'PUT', url: '/api/v1/site', payload: JSON.stringify(doc), headers: { cookie: admin1, 'content-type': 'application/json' } });
    const ok = await put(mine);
    expect(ok.statusCode, ok.body).toBe(200);
    const whole = (await getJson<{ site: { enterprises: { id: string; workshops: { id: string; staffingLimit?: number }[] }[] } }>(server, '/api/v1/site')).site;
    expect(whole.enterprises.map((e) => [e.id, e.workshops[0]!.staffingLimit])).toEqual([['ent-1', 3], ['ent-2', 1]]);
    const m = await mark();
    const foreign = structuredClone(whole);
    foreign.enterprises[1]!.workshops[0]!.staffingLimit = 9;
    expect((await put(foreign)).statusCode).toBe(403);
    expect((await put({ ...mine, enterprises: foreign.enterprises.slice(1) })).statusCode).toBe(403);
    expect(await logSince(m, 'http.forbidden')).toMatchObject([{ actor: 'ent1-admin', outcome: 'denied' }, { actor: 'ent1-admin', outcome: 'denied' }]);
  });

  it('a forged, an expired and a revoked API token: refused and logged', async () => {
    const m = await mark();
    const ask = (token: string) => server.app.inject({ url: '/api/v1/workshops', headers: { authorization: `Bearer ${token}` } });
    const good = server.auth.issueToken({ name: 'scada', role: 'operator', enterpriseId: 'ent-1', region: null, expiresAt: null }, 'test');
    expect((await ask(good.token)).statusCode).toBe(200);
    const forged = good.token.slice(0, -4) + (good.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await ask(forged)).statusCode).toBe(401);
    expect((await ask('hzt_made-up_aaaaaaaaaaaaaaaaaaaaaaaaaaaa')).statusCode).toBe(401);
    const expired = server.auth.issueToken({ name: 'old', role: 'operator', enterpriseId: 'ent-1', region: null, expiresAt: Date.now() - 1000 }, 'test');
    expect((await ask(expired.token)).json()).toMatchObject({ error: 'unauthenticated', message: expect.stringContaining('expired') });
    // Revoked through the API, by an admin.
    const del = await server.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${good.info.id}` });
    expect(del.statusCode).toBe(204);
    expect((await ask(good.token)).json()).toMatchObject({ error: 'unauthenticated', message: expect.stringContaining('revoked') });
    // A logged-out session is revoked too.
    const cookie = await server.loginAs('short-lived', 'operator');
    expect((await server.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })).statusCode).toBe(204);
    expect((await server.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);

    const logged = await logSince(m);
    expect(logged.filter((e) => e.action === 'auth.token-refused').map((e) => e.detail?.reason).sort()).toEqual(['expired', 'forged', 'forged', 'revoked']);
    expect(logged.filter((e) => e.action === 'auth.session-refused').map((e) => e.detail?.reason)).toEqual(['revoked']);
    expect(logged.some((e) => e.action === 'token.revoked')).toBe(true);
  });

  it('a brute-force login: locked after 5 wrong passwords, the right one refused meanwhile, the address throttled; all logged', async () => {
    const m = await mark();
    await server.loginAs('victim', 'operator');
    const login = (username: string, password: string, ip = '127.0.0.1') =>
      server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip, headers: { authorization: '' } });
    for (let i = 0; i < 5; i++) expect((await login('victim', `guess-${i}`, '10.0.0.1')).statusCode).toBe(401);
    const locked = await login('victim', 'password-victim', '10.0.0.1');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ error: 'account-locked' });
    // Spraying unknown names from one address: throttled after 20 failures in 15 minutes.
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await login(`nobody-${i}`, 'x', '10.0.0.2')).statusCode);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    // Another address is not affected, and the lock does not reveal the password either way.
    expect((await login('op1', 'password-op1', '10.0.0.3')).statusCode).toBe(200);

    const logged = await logSince(m);
    expect(logged.filter((e) => e.action === 'auth.login-failed' && e.actor === 'victim')).toHaveLength(5);
    expect(logged.find((e) => e.action === 'auth.account-locked')).toMatchObject({ actor: 'victim', outcome: 'denied' });
    expect(logged.find((e) => e.action === 'auth.login-locked')).toMatchObject({ actor: 'victim', outcome: 'denied' });
    expect(logged.filter((e) => e.action === 'auth.login-throttled')).toHaveLength(5);
    expect(logged.filter((e) => e.action === 'auth.login' && e.actor === 'op1')).toHaveLength(1);
  });

  it('an administrator sees a lockout and lifts it; the account answers carry the contract\'s fields and no more', async () => {
    const m = await mark();
    await server.loginAs('locked1', 'operator');
    const login = (password: string) =>
      server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'locked1', password }, remoteAddress: '10.0.1.1', headers: { authorization: '' } });
    for (let i = 0; i < 5; i++) expect((await login(`guess-${i}`)).statusCode).toBe(401);
    expect((await login('password-locked1')).statusCode).toBe(429);

    // The answer as sent: no hash in any form, and exactly the contract's fields.
    const raw = await server.app.inject({ url: '/api/v1/users' });
    expect(raw.body).not.toMatch(/hash|scrypt|\$7\$|\$6\$/i);
    const users = z.array(UserAccount).parse(raw.json());
    const locked = users.find((u) => u.username === 'locked1')!;
    expect(locked).toMatchObject({ role: 'operator', disabled: false });
    expect(Date.parse(locked.lockedUntil!)).toBeGreaterThan(Date.now());
    expect(users.find((u) => u.username === 'op1')).toMatchObject({ lockedUntil: null, disabled: false, enterpriseId: 'ent-1' });

    const lift = await server.app.inject({ method: 'PATCH', url: `/api/v1/users/${locked.id}`, payload: { unlock: true } });
    expect(lift.statusCode).toBe(200);
    expect(UserAccount.parse(lift.json<{ user: unknown }>().user).lockedUntil).toBeNull();
    expect((await login('password-locked1')).statusCode).toBe(200);
    expect((await logSince(m, 'user.unlocked'))[0]).toMatchObject({ target: 'locked1', outcome: 'ok' });
    const after = z.array(UserAccount).parse(await getJson(server, '/api/v1/users')).find((u) => u.username === 'locked1')!;
    expect(Date.now() - Date.parse(after.lastLoginAt!)).toBeLessThan(60_000);

    // A new password lifts a lockout too; an enterprise admin of another enterprise may not lift one.
    for (let i = 0; i < 5; i++) await login(`again-${i}`);
    expect((await login('password-locked1')).statusCode).toBe(429);
    const otherAdmin = await server.loginAs('admin-ent2', 'enterprise-admin', { enterpriseId: 'ent-2' });
    const foreign = await server.app.inject({ method: 'PATCH', url: `/api/v1/users/${locked.id}`, payload: { unlock: true }, headers: { cookie: otherAdmin } });
    expect(foreign.statusCode).toBe(404);
    expect((await login('password-locked1')).statusCode).toBe(429);
    const reset = await server.app.inject({ method: 'PATCH', url: `/api/v1/users/${locked.id}`, payload: { password: 'a-new-password-1' } });
    expect(UserAccount.parse(reset.json<{ user: unknown }>().user).lockedUntil).toBeNull();
    expect((await login('a-new-password-1')).statusCode).toBe(200);

    const off = await server.app.inject({ method: 'PATCH', url: `/api/v1/users/${locked.id}`, payload: { disabled: true } });
    expect(UserAccount.parse(off.json<{ user: unknown }>().user).disabled).toBe(true);
    expect((await login('a-new-password-1')).statusCode).toBe(401);
    expect((await server.app.inject({ method: 'PATCH', url: `/api/v1/users/${locked.id}`, payload: { unlock: false } })).statusCode).toBe(400);

    const issued = await server.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'contract-check', role: 'operator', enterpriseId: 'ent-1' } });
    expect(issued.statusCode).toBe(201);
    expect(issued.json<{ token: string }>().token.length).toBeGreaterThan(20);
    z.array(TokenInfo).parse(await getJson(server, '/api/v1/tokens'));
    // One enterprise's accounts, tokens and credentials; another's refused to an enterprise admin.
    expect(z.array(TokenInfo).parse(await getJson(server, '/api/v1/tokens?enterpriseId=ent-1')).map((t) => t.name)).toContain('contract-check');
    expect(await getJson(server, '/api/v1/tokens?enterpriseId=ent-2')).toEqual([]);
    expect(new Set(z.array(UserAccount).parse(await getJson(server, '/api/v1/users?enterpriseId=ent-2')).map((u) => u.enterpriseId))).toEqual(new Set(['ent-2']));
    expect(new Set(z.array(GatewayCredentialInfo).parse(await getJson(server, '/api/v1/gateways/credentials?enterpriseId=ent-2')).map((c) => c.gatewayId))).toEqual(new Set(['gw-9']));
    for (const url of ['/api/v1/users?enterpriseId=ent-1', '/api/v1/tokens?enterpriseId=ent-1', '/api/v1/gateways/credentials?enterpriseId=ent-1', '/api/v1/security/log?enterpriseId=ent-1']) {
      expect((await server.app.inject({ url, headers: { cookie: otherAdmin } })).statusCode, url).toBe(403);
    }
    expect((await server.app.inject({ url: '/api/v1/users?frob=1' })).statusCode).toBe(400);
    z.array(GatewayCredentialInfo).parse(await getJson(server, '/api/v1/gateways/credentials'));
    z.array(SecurityLogEntry).parse(await getJson(server, '/api/v1/security/log?limit=1000'));
  });

  it('the contract: login sets an httpOnly SameSite=Strict cookie; me; unauthenticated 401; security headers; CORS off', async () => {
    await server.loginAs('contract', 'enterprise-admin', { enterpriseId: 'ent-1' });
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'contract', password: 'password-contract' }, headers: { authorization: '' } });
    expect(res.json()).toEqual({ user: { id: expect.any(String), username: 'contract', displayName: 'contract', role: 'enterprise-admin', enterpriseId: 'ent-1', region: null } });
    expect(String(res.headers['set-cookie'])).toMatch(/^hazwatch_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const wrong = await server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'contract', password: 'nope' }, headers: { authorization: '' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'invalid-credentials' });
    const anon = await server.app.inject({ url: '/api/v1/auth/me', headers: { authorization: '' } });
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toMatchObject({ error: 'unauthenticated' });
    expect((await server.app.inject({ url: '/api/v1/health', headers: { authorization: '' } })).statusCode).toBe(200);
    expect(anon.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'content-security-policy': expect.stringContaining("frame-ancestors 'none'") });
    const cors = await server.app.inject({ url: '/api/v1/health', headers: { origin: 'https://evil.example' } });
    expect(cors.headers['access-control-allow-origin']).toBeUndefined();
    // An enterprise admin manages its own enterprise's users and gateways, not another's.
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    const mk = (payload: Record<string, unknown>) => server.app.inject({ method: 'POST', url: '/api/v1/users', payload, headers: { cookie } });
    expect((await mk({ username: 'new-op', role: 'operator', enterpriseId: 'ent-1', password: 'a-long-password' })).statusCode).toBe(201);
    expect((await mk({ username: 'evil-op', role: 'operator', enterpriseId: 'ent-2', password: 'a-long-password' })).statusCode).toBe(403);
    expect((await mk({ username: 'evil-admin', role: 'admin', password: 'a-long-password' })).statusCode).toBe(403);
    expect((await server.app.inject({ method: 'POST', url: '/api/v1/gateways/ent-2/gw-9/credentials/rotate', headers: { cookie } })).statusCode).toBe(403);
    const rotated = await server.app.inject({ method: 'POST', url: '/api/v1/gateways/ent-1/gw-1/credentials/rotate', headers: { cookie } });
    expect(rotated.json()).toMatchObject({ username: 'ent-1/gw-1', password: expect.any(String) });
    // The old secret stops working at once; the new one works.
    await expect(connectGateway(server.mqttUrl, 'old-secret', { gatewayId: 'gw-1' })).rejects.toThrow();
    const fresh = await mqtt.connectAsync(server.mqttUrl, { clientId: 'new-secret', username: 'ent-1/gw-1', password: rotated.json<{ password: string }>().password, reconnectPeriod: 0 });
    clients.push(fresh);
    const log = (await getJson<Entry[]>(server, '/api/v1/security/log?limit=50')).map((e) => e.action);
    expect(log).toEqual(expect.arrayContaining(['user.created', 'gateway.credential-rotated', 'auth.login']));
  });
});
