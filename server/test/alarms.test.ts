import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { AlarmEvent, AlarmRecord, ClientToServerEvents, ServerToClientEvents, WorkshopLive } from '@hazwatch/protocols';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batch, connectGateway, getJson, startTestServer, tempDir, waitFor, type TestServer } from './helpers.ts';

describe('alarms end to end', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: TestServer | undefined;
  let gw: MqttClient | undefined;
  let reader: MqttClient | undefined;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;

  beforeEach(async () => {
    tmp = tempDir();
    server = await startTestServer(tmp.dir);
    gw = await connectGateway(server.mqttUrl, 'gw-1');
  });
  afterEach(async () => {
    socket?.disconnect();
    await reader?.endAsync();
    reader = undefined;
    await gw?.endAsync();
    await server?.close();
    tmp.remove();
  });

  it('raises over-staffing held past raiseAfterSeconds: stored, in /api/v1/alarms, pushed to socket.io and MQTT', async () => {
    socket = connectSocket(server!.httpUrl, { transports: ['websocket'], reconnection: false, auth: { token: server!.token } });
    const alarmEvents: AlarmEvent[] = [];
    const workshops: WorkshopLive[] = [];
    socket.on('alarm', (e) => alarmEvents.push(e));
    socket.on('workshop', (w) => workshops.push(w));
    await waitFor(() => socket!.connected, 'socket.io connection');

    // A consumer of the alarms topic signs in with an API token (user name `token`).
    reader = await mqtt.connectAsync(server!.mqttUrl, { clientId: 'alarm-reader', username: 'token', password: server!.token, reconnectPeriod: 0 });
    const retained: Record<string, unknown>[] = [];
    reader!.on('message', (topic, payload) => {
      if (topic.startsWith('hazwatch/v1/ent-1/alarms/') && payload.length > 0) retained.push(JSON.parse(payload.toString('utf8')));
    });
    await reader!.subscribeAsync('hazwatch/v1/ent-1/alarms/+', { qos: 1 });

    const ts = Date.now();
    await gw!.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts, headcount: { total: 3 } }])), { qos: 1 });

    const [alarm] = await waitFor(async () => {
      const list = await getJson<AlarmRecord[]>(server!, '/api/v1/alarms?state=active');
      return list.length > 0 ? list : undefined;
    }, 'an active over-staffing alarm');
    expect(alarm).toMatchObject({
      type: 'over-staffing',
      level: 'alarm',
      enterpriseId: 'ent-1',
      subject: { workshopId: 'ws-a' },
      value: 3,
      limit: 2,
      clearedAt: null,
      configRevision: 1,
    });
    // raisedAt is a timer, raiseAfterSeconds (1 s) after the condition began.
    expect(Date.parse(alarm!.raisedAt) - Date.parse(alarm!.since)).toBe(1000);

    expect(await server!.alarms.events(alarm!.id)).toMatchObject([{ seq: 1, kind: 'raised', alarm: { id: alarm!.id } }]);
    await waitFor(() => alarmEvents.find((e) => e.kind === 'raised' && e.alarm.id === alarm!.id), 'the alarm on socket.io');
    await waitFor(() => workshops.find((w) => w.workshopId === 'ws-a' && w.status === 'over'), 'ws-a shown over on socket.io');
    await waitFor(() => retained.find((r) => r.id === alarm!.id), 'the alarm on its MQTT topic');

    // The headcount drops back: it clears clearAfterSeconds later, the same record.
    await gw!.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(2, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }])), { qos: 1 });
    const cleared = await waitFor(async () => {
      const a = (await getJson<AlarmRecord[]>(server!, '/api/v1/alarms?state=all')).find((x) => x.id === alarm!.id);
      return a?.clearedAt ? a : undefined;
    }, 'the alarm to clear');
    expect(cleared.peak).toBe(3);
    expect(await getJson<AlarmRecord[]>(server!, '/api/v1/alarms?state=active')).toEqual([]);
    expect((await server!.alarms.events(alarm!.id)).map((e) => e.kind)).toEqual(['raised', 'cleared']);
  });

  it('sends a new dashboard the current state and narrows it to one enterprise on subscribe', async () => {
    const ts = Date.now();
    await gw!.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }])), { qos: 1 });
    await waitFor(async () => (await getJson<WorkshopLive[]>(server!, '/api/v1/workshops')).find((w) => w.workshopId === 'ws-a' && w.headcount === 1), 'ws-a state');

    socket = connectSocket(server!.httpUrl, { transports: ['websocket'], reconnection: false, auth: { token: server!.token } });
    const workshops: WorkshopLive[] = [];
    let heartbeats = 0;
    socket.on('workshop', (w) => workshops.push(w));
    socket.on('heartbeat', () => heartbeats++);
    await waitFor(() => workshops.find((w) => w.workshopId === 'ws-a' && w.headcount === 1), 'the current ws-a on connect');

    expect(await socket.emitWithAck('subscribe', { enterpriseId: 'ent-9' })).toEqual({ ok: false, error: 'unknown enterprise "ent-9"' });
    expect(await socket.emitWithAck('subscribe', { enterpriseId: 'bad id!' })).toMatchObject({ ok: false });
    workshops.length = 0;
    expect(await socket.emitWithAck('subscribe', { enterpriseId: 'ent-1' })).toEqual({ ok: true });
    await waitFor(() => workshops.find((w) => w.workshopId === 'ws-a'), 'state again after subscribe');

    await gw!.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(2, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 2 } }])), { qos: 1 });
    await waitFor(() => workshops.find((w) => w.workshopId === 'ws-a' && w.headcount === 2 && w.status === 'full'), 'the change pushed to the enterprise room');
    await waitFor(() => heartbeats > 0, 'a heartbeat', 5000);
  });
});
