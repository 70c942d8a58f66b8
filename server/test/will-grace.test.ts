// The rule of mqtt/will-grace.ts message by message (broker-restart.test.ts runs it with Mosquitto):
// what goes on to ingest, in which order, and what is dropped.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createWillGrace } from '../src/mqtt/will-grace.ts';
import { waitFor } from './wait-for.ts';

const CONFIRM_MS = 40;
const RECONNECT_MS = 200;
const statusTopic = (gw: string) => `hazwatch/v1/ent-1/${gw}/status`;
const telemetryTopic = (gw: string) => `hazwatch/v1/ent-1/${gw}/telemetry`;
const msg = (state: string) => Buffer.from(JSON.stringify({ v: 1, state, ts: 1 }));

function setUp() {
  const ingested: string[] = [];
  const links: boolean[] = [];
  const grace = createWillGrace({
    ingest: async (topic, payload) => void ingested.push(`${topic.split('/').slice(3).join('/')} ${payload.toString()}`),
    onLink: (up) => links.push(up),
    log: pino({ level: 'silent' }),
    timing: { confirmMs: CONFIRM_MS, reconnectMs: RECONNECT_MS },
  });
  grace.link(true);
  return { grace, ingested, links };
}

describe('will grace', () => {
  it('lets an offline status count once the connection stayed up, and keeps a gateway\'s order', async () => {
    const { grace, ingested } = setUp();
    await grace.onMessage(statusTopic('gw-1'), msg('offline'));
    await grace.onMessage(statusTopic('gw-2'), msg('offline'));
    expect(ingested).toEqual([]);
    // gw-1 speaks again before its will counted: the will goes first.
    await grace.onMessage(telemetryTopic('gw-1'), Buffer.from('batch'));
    expect(ingested).toEqual(['gw-1/status {"v":1,"state":"offline","ts":1}', 'gw-1/telemetry batch']);
    await waitFor(() => ingested.length === 3, 'gw-2 will to count');
    expect(ingested[2]).toBe('gw-2/status {"v":1,"state":"offline","ts":1}');
    expect(grace.stats()).toEqual({ held: 0, dropped: 0, counted: 2 });
  });

  it('drops offline statuses followed by the loss of the connection, and waits after the reconnection', async () => {
    const { grace, ingested, links } = setUp();
    await grace.onMessage(statusTopic('gw-1'), msg('offline'));
    await grace.onMessage(statusTopic('gw-2'), msg('offline'));
    grace.link(false);
    grace.link(false); // mqtt.js says close again at every failed attempt
    grace.link(true);
    expect(links).toEqual([false, true]);
    // Delivered again after the reconnection: gw-1 comes back (its birth), gw-2 does not.
    await grace.onMessage(statusTopic('gw-1'), msg('offline'));
    await grace.onMessage(statusTopic('gw-2'), msg('offline'));
    await grace.onMessage(statusTopic('gw-1'), msg('online'));
    expect(ingested).toEqual(['gw-1/status {"v":1,"state":"online","ts":1}']);
    await new Promise((r) => setTimeout(r, CONFIRM_MS * 2));
    expect(ingested).toHaveLength(1); // still within the reconnection grace
    await waitFor(() => ingested.length === 2, 'gw-2 will to count after the grace');
    expect(ingested[1]).toBe('gw-2/status {"v":1,"state":"offline","ts":1}');
    expect(grace.stats()).toEqual({ held: 0, dropped: 3, counted: 1 });
  });

  it('passes other messages through, and holds nothing after stop', async () => {
    const { grace, ingested } = setUp();
    await grace.onMessage('hazwatch/v1/ent-1/gw-1/status', Buffer.from('not json'));
    await grace.onMessage('hazwatch/v1/ent-1/alarms/al-1', Buffer.from('x'));
    await grace.onMessage(statusTopic('gw-1'), msg('offline'));
    grace.stop();
    await new Promise((r) => setTimeout(r, CONFIRM_MS * 2));
    expect(ingested).toEqual(['gw-1/status not json', 'alarms/al-1 x']);
  });
});
