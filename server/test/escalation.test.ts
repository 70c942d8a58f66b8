// Escalation at T1 and T2 and reminders, on the platform clock, against real loopback receivers.
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import type { TestServer } from './helpers.ts';
import { act, activeAlarm, alertingSite, detail, reading, startAlertingServer, startReceiver, type Detail } from './alerting-helpers.ts';
import { connectGateway, tempDir, waitFor } from './helpers.ts';

const T1_MIN = 0.02; // 1.2 s
const T2_MIN = 0.06; // 3.6 s: time enough to acknowledge A between its T1 and T2
type Body = { notifications: { reason: string; at: string; alarm: AlarmRecord }[] };

describe('escalation', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('goes to the next tier at T1, to the principal and the regulator of the region at T2, and stops once acknowledged', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const hook = (id: string) => ({ id, kind: 'webhook', url: `${rx.url}/${id}` });
    const file = alertingSite(
      tmp.dir,
      JSON.stringify({
        escalation: { t1Minutes: T1_MIN, t2Minutes: T2_MIN },
        reminderMinutes: 0,
        routes: [
          { tier: 'duty', channels: ['duty'] },
          { tier: 'next', channels: ['next'] },
          { tier: 'principal', channels: ['principal'] },
        ],
      }),
      JSON.stringify({
        channels: ['duty', 'next', 'principal', 'city', 'province'].map(hook),
        delivery: { groupSeconds: 0.05, retrySeconds: 0.1 },
        // The enterprise is in 370306: the city bureau (3703) is the most specific regulator.
        regulators: [
          { id: 'zibo', name: '淄博市工业和信息化局', region: '3703', channels: ['city'] },
          { id: 'shandong', name: '山东省工业和信息化厅', region: '37', channels: ['province'] },
        ],
      }),
    );
    const s: TestServer = await startAlertingServer(tmp.dir, file);
    cleanups.push(() => s.close());
    const gw1 = await connectGateway(s.mqttUrl, 'gw-1');
    cleanups.push(() => gw1.endAsync());
    const gw2 = await connectGateway(s.mqttUrl, 'gw-2');
    cleanups.push(() => gw2.endAsync());

    await reading(gw1, 'gw-1', { workshopId: 'ws-a', headcount: { total: 3 } });
    const a = await activeAlarm(s, (x) => x.subject.workshopId === 'ws-a', 'alarm A');
    await reading(gw2, 'gw-2', { workshopId: 'ws-b', headcount: { total: 4 } });
    const b = await activeAlarm(s, (x) => x.subject.workshopId === 'ws-b', 'alarm B');
    expect(Date.parse(b.detectedAt)).toBeGreaterThanOrEqual(Date.parse(a.detectedAt));

    const tierEvent = (d: Detail, tier: number) => d.events.find((e) => e.kind === 'escalated' && e.detail?.tier === tier);
    const aT1 = await waitFor(async () => tierEvent(await detail(s, a.id), 1), 'A at the next tier');
    expect(Date.parse(aT1.at) - Date.parse(a.detectedAt)).toBe(T1_MIN * 60_000);
    expect(aT1.detail).toMatchObject({ tier: 1, to: 'next' });
    expect(await act(s, a.id, 'acknowledge', { comment: '已处理' })).toMatchObject({ status: 200 });

    const bT2 = await waitFor(async () => tierEvent(await detail(s, b.id), 2), 'B at the principal tier', 10_000);
    const bd = await detail(s, b.id);
    expect(Date.parse(tierEvent(bd, 1)!.at) - Date.parse(b.detectedAt)).toBe(T1_MIN * 60_000);
    expect(Date.parse(bT2.at) - Date.parse(b.detectedAt)).toBe(T2_MIN * 60_000);
    expect(bd.alarm.escalationTier).toBe(2);
    // A's T2 fell due before B's: acknowledged, it stayed at the next tier.
    const ad = await detail(s, a.id);
    expect(tierEvent(ad, 2)).toBeUndefined();
    expect(ad.alarm.escalationTier).toBe(1);
    expect(Date.now()).toBeGreaterThan(Date.parse(a.detectedAt) + T2_MIN * 60_000);

    // Who heard what, once everything queued has gone out.
    await waitFor(() => s.alarms.outbox.nextWake() === undefined && s.alarms.outbox.counts().pending === 0, 'the outbox drained');
    const heard = (path: string) =>
      rx.accepted()
        .filter((r) => r.url === `/${path}`)
        .flatMap((r) => (JSON.parse(r.body) as Body).notifications.map((n) => `${n.reason}:${n.alarm.subject.workshopId}`))
        .sort();
    expect(heard('duty')).toEqual(['raised:ws-a', 'raised:ws-b']);
    expect(heard('next')).toEqual(['acknowledged:ws-a', 'tier:ws-a', 'tier:ws-b']);
    expect(heard('principal')).toEqual(['tier:ws-b']);
    expect(heard('city')).toEqual(['tier:ws-b']);
    expect(heard('province')).toEqual([]);
  });

  it('reminds while an active alarm stays unacknowledged, and stops once it is acknowledged', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const file = alertingSite(
      tmp.dir,
      JSON.stringify({ escalation: { t1Minutes: 60, t2Minutes: 120 }, reminderMinutes: 0.01, routes: [{ channels: ['duty'] }] }),
      JSON.stringify({ channels: [{ id: 'duty', kind: 'webhook', url: `${rx.url}/duty` }], delivery: { groupSeconds: 0 } }),
    );
    const s = await startAlertingServer(tmp.dir, file);
    cleanups.push(() => s.close());
    const gw1 = await connectGateway(s.mqttUrl, 'gw-1');
    cleanups.push(() => gw1.endAsync());
    const gw2 = await connectGateway(s.mqttUrl, 'gw-2');
    cleanups.push(() => gw2.endAsync());
    const reminders = (ws: string) =>
      rx.accepted().flatMap((r) => (JSON.parse(r.body) as Body).notifications.filter((n) => n.reason === 'reminder' && n.alarm.subject.workshopId === ws));

    await reading(gw1, 'gw-1', { workshopId: 'ws-a', headcount: { total: 3 } });
    const a = await activeAlarm(s, (x) => x.subject.workshopId === 'ws-a', 'alarm A');
    await waitFor(() => reminders('ws-a').length >= 2, 'two reminders of A');
    const ack = await act(s, a.id, 'acknowledge', {});
    expect(ack.status).toBe(200);
    const ackAt = Date.parse(ack.body.alarm.acknowledgedAt!);

    // B is raised after the acknowledgement; its first reminder falls due after A's next one would have.
    await reading(gw2, 'gw-2', { workshopId: 'ws-b', headcount: { total: 4 } });
    await activeAlarm(s, (x) => x.subject.workshopId === 'ws-b', 'alarm B');
    await waitFor(() => reminders('ws-b').length >= 1, 'a reminder of B');
    // Reminders of A issued before the acknowledgement may still arrive after it; none was issued after.
    const issued = reminders('ws-a').map((n) => Date.parse(n.at)).sort((x, y) => x - y);
    expect(issued.every((t) => t <= ackAt)).toBe(true);
    // One every reminderMinutes (0.6 s), the first counted from detection.
    expect(issued[0]! - Date.parse(a.detectedAt)).toBeGreaterThanOrEqual(600);
    for (let i = 1; i < issued.length; i++) expect(issued[i]! - issued[i - 1]!).toBeGreaterThanOrEqual(600);
    const d = await detail(s, a.id);
    expect(d.events.map((e) => e.kind)).toContain('notified');
  });
});
