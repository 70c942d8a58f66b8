// Notifications through the outbox, against real loopback HTTP receivers that fail on command.
import { createHmac } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import type { RunningServer } from '../src/app.ts';
import { activeAlarm, alertingSite, detail, reading, startAlertingServer, startReceiver, type Receiver } from './alerting-helpers.ts';
import { connectGateway, getJson, tempDir, waitFor } from './helpers.ts';

const SECRET = 'whsec-test-值班';
const fast = (over: Record<string, number> = {}) => ({ maxAttempts: 8, retrySeconds: 0.1, maxRetrySeconds: 0.4, timeoutSeconds: 10, groupSeconds: 0.05, ...over });

type Body = { v: number; delivery: string; title: string; notifications: { reason: string; alarm: AlarmRecord }[] };
const body = (r: Receiver['received'][number]) => JSON.parse(r.body) as Body;
const key = (r: Receiver['received'][number]) => r.headers['idempotency-key'] as string;

describe('notifications', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });
  async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(respond);
    cleanups.push(() => r.close());
    return r;
  }
  async function server(dir: string, site: string): Promise<RunningServer> {
    const s = await startAlertingServer(dir, site, { HOOK_SECRET: SECRET });
    cleanups.push(() => s.close());
    return s;
  }
  async function gateway(s: RunningServer, id: 'gw-1' | 'gw-2'): Promise<MqttClient> {
    const gw = await connectGateway(s.mqttUrl, id);
    cleanups.push(() => gw.endAsync());
    return gw;
  }
  function site(dir: string, urls: { hook: string; backup?: string; ops?: string }, delivery: Record<string, number>) {
    const channels = [
      { id: 'hook', kind: 'webhook', url: `${urls.hook}/hook`, secretEnv: 'HOOK_SECRET' },
      ...(urls.backup ? [{ id: 'backup', kind: 'webhook', url: `${urls.backup}/backup` }] : []),
      ...(urls.ops ? [{ id: 'ops', kind: 'webhook', url: `${urls.ops}/ops` }] : []),
    ];
    const routes = [
      { channels: ['hook'], ...(urls.backup ? { fallback: 'backup' } : {}), types: ['over-staffing', 'over-quantity'] },
      ...(urls.ops ? [{ channels: ['ops'], types: ['notification-failed'] }] : []),
    ];
    return alertingSite(dir, JSON.stringify({ reminderMinutes: 0, routes }), JSON.stringify({ channels, delivery }));
  }

  it('retries with backoff until accepted: one accepted, signed delivery per message, receipts for every attempt, alarms raised together grouped', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const hook = await receiver((n) => (n <= 2 ? { status: 500, body: '{"error":"busy"}' } : { status: 200 }));
    const s = await server(tmp.dir, site(tmp.dir, { hook: hook.url }, fast()));
    const gw = await gateway(s, 'gw-1');

    // Two alarms start together: one message carries both.
    await reading(gw, 'gw-1', { workshopId: 'ws-a', headcount: { total: 3 }, materialKg: 600 });
    await waitFor(() => hook.accepted().length === 1, 'the message accepted');
    expect(hook.received).toHaveLength(3);
    const k = key(hook.received[0]!);
    expect(k).toMatch(/^hzd-/);
    for (const r of hook.received) {
      expect(key(r)).toBe(k);
      expect(r.body).toBe(hook.received[0]!.body);
      const ts = r.headers['x-hazwatch-timestamp'] as string;
      expect(r.headers['x-hazwatch-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${r.body}`).digest('hex')}`);
    }
    expect(hook.received.map((r) => r.headers['x-hazwatch-attempt'])).toEqual(['1', '2', '3']);
    const sent = body(hook.received[0]!);
    expect(sent.notifications.map((n) => [n.reason, n.alarm.type]).sort()).toEqual([['raised', 'over-quantity'], ['raised', 'over-staffing']]);
    expect(sent.title).toContain('2 条报警通知');

    const staffing = await activeAlarm(s, (a) => a.type === 'over-staffing', 'the staffing alarm');
    const d = await waitFor(async () => {
      const x = await detail(s, staffing.id);
      return x.events.some((e) => e.kind === 'notified') ? x : undefined;
    }, 'the notified event');
    expect(d.deliveries).toMatchObject([{ key: k, channel: 'hook', state: 'delivered', attempts: 3, reasons: ['raised'] }]);
    expect(d.deliveries[0]!.receipts.map((r) => [r.n, r.outcome, r.status])).toEqual([[1, 'failed', 500], [2, 'failed', 500], [3, 'accepted', 200]]);
    expect(d.events.find((e) => e.kind === 'notified')!.detail).toMatchObject({ channel: 'hook', channelKind: 'webhook', delivery: k, attempt: 3, reasons: ['raised'] });
    // Exponential backoff with (here fixed) jitter: 75 ms, then 150 ms at least.
    const starts = (await detail(s, staffing.id)).deliveries[0]!.receipts as unknown as { startedAt: string }[];
    const gaps = starts.slice(1).map((r, i) => Date.parse(r.startedAt) - Date.parse(starts[i]!.startedAt));
    expect(gaps[0]).toBeGreaterThanOrEqual(70);
    expect(gaps[1]).toBeGreaterThanOrEqual(140);

    // Both clear: one more message; each transition was announced exactly once.
    await reading(gw, 'gw-1', { workshopId: 'ws-a', headcount: { total: 1 }, materialKg: 100 });
    await waitFor(() => hook.accepted().length === 2, 'the cleared message');
    const keys = hook.accepted().map(key);
    expect(new Set(keys).size).toBe(2);
    const reasons = hook.accepted().flatMap((r) => body(r).notifications.map((n) => `${n.reason}:${n.alarm.type}`));
    expect(reasons.sort()).toEqual(['cleared:over-quantity', 'cleared:over-staffing', 'raised:over-quantity', 'raised:over-staffing']);
    // The hook has the message before the notifier has its answer: the delivery counts as delivered
    // once that answer is recorded.
    const stats = await waitFor(async () => {
      const x = await getJson<{ deliveries: { pending: number } }>(s, '/api/v1/notifications/stats');
      return x.deliveries.pending === 0 ? x : undefined;
    }, 'no delivery pending');
    expect(stats).toEqual({ deliveries: { pending: 0, delivered: 2, dead: 0 }, errors: { notifier: 0, escalation: 0, planning: 0 } });
    // An enterprise's own totals: its deliveries; one without notifications has none.
    expect((await getJson<{ deliveries: unknown }>(s, '/api/v1/notifications/stats?enterpriseId=ent-1')).deliveries).toEqual({ pending: 0, delivered: 2, dead: 0 });
    expect((await getJson<{ deliveries: unknown }>(s, '/api/v1/notifications/stats?enterpriseId=ent-other')).deliveries).toEqual({ pending: 0, delivered: 0, dead: 0 });
  });

  it('resumes pending deliveries after a restart in the middle of retries, and never sends a delivered one again', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    // Refuses everything until the restart, then once more, then accepts.
    let restarted = false;
    let after = 0;
    const hook = await receiver(() => (!restarted || ++after <= 1 ? { status: 503 } : { status: 200 }));
    const file = site(tmp.dir, { hook: hook.url }, fast({ retrySeconds: 0.3, maxRetrySeconds: 1, maxAttempts: 20 }));
    const first = await startAlertingServer(tmp.dir, file, { HOOK_SECRET: SECRET });
    const gw = await connectGateway(first.mqttUrl, 'gw-1');
    await reading(gw, 'gw-1', { workshopId: 'ws-a', headcount: { total: 3 } });
    const alarm = await activeAlarm(first, (a) => a.type === 'over-staffing', 'the alarm');
    await waitFor(() => hook.received.length >= 1, 'the first, failing attempt');
    await gw.endAsync();
    await first.close();
    const before = hook.received.length;
    restarted = true;

    const second = await server(tmp.dir, file);
    await waitFor(() => hook.accepted().length === 1, 'the delivery accepted after the restart', 15_000);
    expect(hook.received.length).toBeGreaterThan(before);
    const k = key(hook.received[0]!);
    expect(hook.received.every((r) => key(r) === k)).toBe(true);
    const d = await waitFor(async () => {
      const x = await detail(second, alarm.id);
      return x.deliveries[0]?.state === 'delivered' ? x : undefined;
    }, 'the delivery marked delivered');
    // Every request has its receipt, across both runs; the alarm stayed active, raised once.
    expect(d.deliveries[0]!.receipts.map((r) => r.outcome)).toEqual([...hook.received.slice(0, -1).map(() => 'failed'), 'accepted']);
    expect(d.alarm).toMatchObject({ id: alarm.id, clearedAt: null });
    expect(d.events.map((e) => e.kind)).toEqual(['raised', 'notified']);
    await second.close();

    // A third run: the delivered message is not sent again. A new alarm's delivery is the barrier.
    const third = await server(tmp.dir, file);
    const gw2 = await gateway(third, 'gw-2');
    await reading(gw2, 'gw-2', { workshopId: 'ws-b', headcount: { total: 4 } });
    await waitFor(() => hook.accepted().length === 2, 'the new alarm delivered');
    expect(hook.received.filter((r) => key(r) === k)).toHaveLength(before + 2);
    expect(hook.accepted().filter((r) => key(r) === k)).toHaveLength(1);
    expect((await getJson<AlarmRecord[]>(third, '/api/v1/alarms?state=all')).filter((a) => a.type === 'over-staffing')).toHaveLength(2);
  });

  it('ends a never-accepted delivery in the dead letter: the fallback channel gets it and a notification-failed alarm is raised, cleared once the channel works again', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    let broken = true;
    const hook = await receiver(() => (broken ? { status: 500 } : { status: 200 }));
    const backup = await receiver();
    const ops = await receiver();
    const s = await server(tmp.dir, site(tmp.dir, { hook: hook.url, backup: backup.url, ops: ops.url }, fast({ maxAttempts: 3 })));
    const gw = await gateway(s, 'gw-1');
    await reading(gw, 'gw-1', { workshopId: 'ws-a', headcount: { total: 3 } });

    const failed = await activeAlarm(s, (a) => a.type === 'notification-failed', 'the notification-failed alarm');
    expect(failed).toMatchObject({ level: 'alarm', enterpriseId: 'ent-1', subject: { channel: 'hook' }, value: 3, limit: 3 });
    expect(hook.received).toHaveLength(3);
    await waitFor(() => backup.accepted().length === 1, 'the fallback delivery');
    expect(body(backup.received[0]!).notifications.map((n) => n.reason)).toEqual(['raised']);
    await waitFor(() => ops.accepted().length === 1, 'the notification-failed alarm announced on another channel');
    expect(body(ops.received[0]!).title).toContain('通知失败');

    const staffing = await activeAlarm(s, (a) => a.type === 'over-staffing', 'the staffing alarm');
    const d = await waitFor(async () => {
      const x = await detail(s, staffing.id);
      return x.events.some((e) => e.kind === 'notified') ? x : undefined;
    }, 'the notified event of the fallback');
    const [dead, fallback] = d.deliveries;
    expect(dead).toMatchObject({ channel: 'hook', state: 'dead', attempts: 3 });
    expect(dead!.receipts.map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(fallback).toMatchObject({ channel: 'backup', state: 'delivered', fallbackFor: dead!.key });
    expect(d.events.find((e) => e.kind === 'notified')!.detail).toMatchObject({ channel: 'backup', fallbackFor: dead!.key, failedChannel: 'hook' });
    const fd = await detail(s, failed.id);
    expect(fd.events[0]!.detail).toMatchObject({ channel: 'hook', delivery: dead!.key, attempts: 3, alarms: [staffing.id] });

    // The channel works again: the next accepted delivery clears its failure alarm.
    broken = false;
    await reading(gw, 'gw-1', { workshopId: 'ws-a', headcount: { total: 1 } });
    await waitFor(async () => (await detail(s, failed.id)).alarm.clearedAt !== null, 'the failure alarm cleared');
    expect(hook.accepted()).toHaveLength(1);
    expect(body(hook.accepted()[0]!).notifications.map((n) => n.reason)).toEqual(['cleared']);
  });
});
