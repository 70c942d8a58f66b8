// Alarm handling end to end: real server, MQTT gateway, socket.io client, HTTP actions.
import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmEvent, ClientToServerEvents, ServerToClientEvents } from '@hazwatch/protocols';
import type { TestServer } from './helpers.ts';
import { act, activeAlarm, alertingSite, detail, reading, startAlertingServer } from './alerting-helpers.ts';
import { connectGateway, getJson, tempDir, waitFor } from './helpers.ts';

describe('alarm handling', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('acknowledge, comment, assign, shelve within the site rules, close only once cleared; who and when recorded; other tenants refused', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const site = alertingSite(tmp.dir, '{ shelving: { forbid: [over-quantity], maxMinutes: 60 } }', '{}');
    const server: TestServer = await startAlertingServer(tmp.dir, site);
    cleanups.push(() => server.close());
    const gw: MqttClient = await connectGateway(server.mqttUrl, 'gw-1');
    cleanups.push(() => gw.endAsync());
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connectSocket(server.httpUrl, { transports: ['websocket'], reconnection: false, auth: { token: server.token } });
    cleanups.push(() => socket.disconnect());
    const pushed: AlarmEvent[] = [];
    socket.on('alarm', (e) => pushed.push(e));
    await waitFor(() => socket.connected, 'socket.io connection');
    // A SCADA consumer of the alarms topic: an integration with an operator token of ent-1.
    const scada = server.auth.issueToken({ name: 'scada', role: 'operator', enterpriseId: 'ent-1', region: null, expiresAt: null }, 'test').token;
    const reader = await mqtt.connectAsync(server.mqttUrl, { clientId: 'scada', username: 'token', password: scada, reconnectPeriod: 0 });
    cleanups.push(() => reader.endAsync());
    const mqttSeen: { topic: string; payload: string }[] = [];
    reader.on('message', (topic, payload) => mqttSeen.push({ topic, payload: payload.toString('utf8') }));
    await reader.subscribeAsync('hazwatch/v1/ent-1/alarms/+', { qos: 1 });

    await reading(gw, 'gw-1', { workshopId: 'ws-a', headcount: { total: 3 }, materialKg: 600 });
    const a = await activeAlarm(server, (x) => x.type === 'over-staffing', 'the over-staffing alarm');
    const q = await activeAlarm(server, (x) => x.type === 'over-quantity', 'the over-quantity alarm');

    // Who acts must be logged in; an operator of another enterprise is refused, and sees nothing.
    const anonymous = await server.app.inject({ method: 'POST', url: `/api/v1/alarms/${a.id}/acknowledge`, payload: {}, headers: { authorization: '' } });
    expect(anonymous.statusCode).toBe(401);
    expect(await act(server, a.id, 'acknowledge', {}, 'mallory', 'ent-2')).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const scoped = { cookie: await server.loginAs('mallory') };
    expect((await server.app.inject({ url: '/api/v1/alarms', headers: scoped })).json()).toEqual([]);
    expect((await server.app.inject({ url: `/api/v1/alarms/${a.id}`, headers: scoped })).statusCode).toBe(404);
    expect(await act(server, 'al-nope', 'acknowledge', {})).toMatchObject({ status: 404 });

    // Shelving: refused for a type the site forbids and beyond its longest time; audited both ways.
    expect(await act(server, q.id, 'shelve', { reason: '秤校准', minutes: 10 })).toMatchObject({ status: 403, body: { message: expect.stringContaining('forbids shelving over-quantity') } });
    expect(await act(server, a.id, 'shelve', { reason: '检修', minutes: 120 })).toMatchObject({ status: 400 });
    expect(await act(server, a.id, 'shelve', { reason: '检修' })).toMatchObject({ status: 400 });
    const shelved = await act(server, a.id, 'shelve', { reason: '门禁检修，人工点名', minutes: 30 });
    expect(shelved.status).toBe(200);
    expect(shelved.body.alarm).toMatchObject({ shelvedBy: '张工', shelveReason: '门禁检修，人工点名', shelvedUntil: expect.any(String) });
    expect((await getJson<{ id: string }[]>(server, '/api/v1/alarms?state=shelved')).map((x) => x.id)).toEqual([a.id]);
    expect(await act(server, a.id, 'unshelve', { reason: '检修完成' })).toMatchObject({ status: 200 });
    expect(await act(server, a.id, 'unshelve', {})).toMatchObject({ status: 409 });

    const ack = await act(server, a.id, 'acknowledge', { comment: '已通知班长撤出一人' });
    expect(ack).toMatchObject({ status: 200, body: { alarm: { acknowledgedBy: '张工', comments: [{ by: '张工', text: '已通知班长撤出一人' }] } } });
    expect(await act(server, a.id, 'acknowledge', {}, '李四')).toMatchObject({ status: 409, body: { message: expect.stringContaining('already acknowledged by 张工') } });
    expect(await act(server, a.id, 'comments', { text: '班长已到场' }, '李四')).toMatchObject({ status: 200 });
    expect(await act(server, a.id, 'assign', { assignee: '王班长', note: '负责整改' })).toMatchObject({ status: 200, body: { alarm: { assignedTo: '王班长', assignedBy: '张工' } } });
    expect(await act(server, a.id, 'close', { rectification: '已撤离' })).toMatchObject({ status: 409, body: { message: expect.stringContaining('not cleared yet') } });

    await reading(gw, 'gw-1', { workshopId: 'ws-a', headcount: { total: 1 }, materialKg: 100 });
    const cleared = await waitFor(async () => {
      const d = await detail(server, a.id);
      return d.alarm.clearedAt ? d.alarm : undefined;
    }, 'the alarm to clear');
    // The engine's clearing kept what people recorded.
    expect(cleared).toMatchObject({ acknowledgedBy: '张工', assignedTo: '王班长', comments: [{ by: '张工' }, { by: '李四' }] });

    expect(await act(server, a.id, 'close', { rectification: '' })).toMatchObject({ status: 400 });
    const closed = await act(server, a.id, 'close', { rectification: '调整排班：乳化工房定员 2 人，班前点名' }, '李主任');
    expect(closed).toMatchObject({ status: 200, body: { alarm: { closedBy: '李主任', rectification: '调整排班：乳化工房定员 2 人，班前点名' } } });
    expect(await act(server, a.id, 'close', { rectification: 'again' })).toMatchObject({ status: 409 });
    expect(await act(server, a.id, 'assign', { assignee: 'x' })).toMatchObject({ status: 409 });

    const d = await detail(server, a.id);
    expect(d.events.map((e) => [e.kind, e.by])).toEqual([
      ['raised', null], ['shelved', '张工'], ['shelved', '张工'], ['acknowledged', '张工'], ['commented', '李四'], ['assigned', '张工'], ['cleared', null], ['closed', '李主任'],
    ]);
    expect(d.events[2]!.detail).toMatchObject({ action: 'unshelved', reason: '检修完成' });
    for (let i = 1; i < d.events.length; i++) expect(d.events[i]!.seq).toBeGreaterThan(d.events[i - 1]!.seq);
    // The evidence: the readings around it, the over and the return to normal.
    expect(d.evidence.readings.map((r) => (r.reading.headcount as { total: number }).total)).toEqual([3, 1]);

    // socket.io carried every transition, with who acted.
    await waitFor(() => pushed.find((e) => e.kind === 'closed' && e.alarm.id === a.id), 'the closed event on socket.io');
    expect(pushed.filter((e) => e.alarm.id === a.id).map((e) => e.kind)).toEqual(['raised', 'shelved', 'shelved', 'acknowledged', 'commented', 'assigned', 'cleared', 'closed']);
    expect(pushed.find((e) => e.kind === 'acknowledged')).toMatchObject({ by: '张工', seq: expect.any(Number) });

    // MQTT: the record follows the alarm, then an empty retained message removes it once closed.
    await waitFor(() => mqttSeen.find((m) => m.topic.endsWith(`/${a.id}`) && m.payload === ''), 'the empty message on the closed alarm topic');
    const fresh = await mqtt.connectAsync(server.mqttUrl, { clientId: 'late-subscriber', username: 'token', password: scada, reconnectPeriod: 0 });
    cleanups.push(() => fresh.endAsync());
    const retained: string[] = [];
    fresh.on('message', (topic, payload) => retained.push(`${topic} ${payload.length}`));
    await fresh.subscribeAsync('hazwatch/v1/ent-1/alarms/+', { qos: 1 });
    // The retained records come from one scan of the broker's store: the still-open alarm arrives, the closed one not.
    await waitFor(() => retained.some((r) => r.includes(q.id)), 'the retained record of the open alarm');
    expect(retained.some((r) => r.includes(a.id))).toBe(false);
  });
});
