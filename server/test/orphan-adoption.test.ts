// An alarm the ledger has active that the saved rule engine state lacks (rules/orphaned-alarms.ts) is
// adopted at start, through the real server: it clears when a reading ends its condition, once and
// by its own id, and can then be closed (闭环); one whose workshop is gone clears at start.
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { act } from './alerting-helpers.ts';
import { batch, connectGateway, getJson, startTestServer, tempDir, waitFor, type TestServer, capturedLogger } from './helpers.ts';

const all = (s: TestServer) => getJson<AlarmRecord[]>(s, '/api/v1/alarms?state=all');

function lost(id: string, workshopId: string, raisedAt: number): AlarmRecord {
  const t = new Date(raisedAt).toISOString();
  return {
    id, type: 'over-staffing', reason: null, level: 'alarm', enterpriseId: 'ent-1', subject: { workshopId },
    value: 3, peak: 3, limit: 2, since: new Date(raisedAt - 1000).toISOString(), raisedAt: t, escalatedAt: null, clearedAt: null, clearReason: null,
    detectedAt: t, late: false, configRevision: 1,
  };
}

describe('orphaned alarms adopted at start', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('clear when their condition ends (not raised again meanwhile) and can then be closed; one whose workshop is gone clears at once', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    // A first run saves the engine state; then the ledger gains active alarms that state knows nothing of.
    const first = await startTestServer(tmp.dir);
    await first.close();
    const raisedAt = Date.now() - 3_600_000;
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    await store.append([lost('al-lost', 'ws-a', raisedAt), lost('al-gone', 'ws-z', raisedAt)].map((alarm) => ({ kind: 'raised' as const, at: alarm.raisedAt, alarm })));
    await store.close();

    const { logger, logs } = capturedLogger('warn');
    const server = await startTestServer(tmp.dir, { start: { logger } });
    cleanups.push(() => server.close());
    expect(logs.find((l) => String(l.msg).startsWith('active alarms in the ledger that the rule engine does not hold'))).toMatchObject({ count: 2, adopted: 1, cleared: ['al-gone'], refused: 0 });

    // The alarm of a workshop the site does not have clears at start, saying why.
    const gone = await waitFor(async () => (await all(server)).find((a) => a.id === 'al-gone' && a.clearedAt !== null), 'the alarm of the missing workshop cleared');
    expect(gone.clearReason).toBe('subject-removed');

    // The adopted one is held: over the limit for longer than raiseAfterSeconds raises nothing new, and a
    // reading under it clears it (clearAfterSeconds later) by its own id.
    const now = Date.now();
    const gw = await connectGateway(server.mqttUrl, 'gw-1');
    cleanups.push(() => gw.endAsync());
    const readings = [{ workshopId: 'ws-a', ts: now - 5000, headcount: { total: 4 } }, { workshopId: 'ws-a', ts: now, headcount: { total: 1 } }];
    await gw.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, readings)), { qos: 1 });
    const cleared = await waitFor(async () => (await all(server)).find((a) => a.id === 'al-lost' && a.clearedAt !== null), 'the adopted alarm cleared');
    expect(cleared).toMatchObject({ clearReason: 'condition-ended', clearedAt: new Date(now + 1000).toISOString(), raisedAt: new Date(raisedAt).toISOString(), peak: 4 });
    // Unacknowledged for an hour, its notifications went up the tiers (escalated events with a tier, not the engine's).
    const events = await server.alarms.events('al-lost');
    expect(events.filter((e) => e.kind === 'escalated').every((e) => typeof e.detail?.tier === 'number')).toBe(true);
    expect(events.filter((e) => e.kind !== 'escalated').map((e) => e.kind)).toEqual(['raised', 'cleared']);
    expect((await all(server)).filter((a) => a.subject.workshopId === 'ws-a').map((a) => a.id)).toEqual(['al-lost']);

    // Cleared, it can be closed.
    const closed = await act(server, 'al-lost', 'close', { rectification: '核减工房人员至定员以内' }, '李主任');
    expect(closed).toMatchObject({ status: 200, body: { alarm: { id: 'al-lost', closedBy: '李主任' } } });
  });

  it('with no engine state at all: a first reading of nobody inside, which changes no fact the engine had, ends it', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    const alarm = lost('al-lost', 'ws-a', Date.now() - 60_000);
    await store.append([{ kind: 'raised', at: alarm.raisedAt, alarm }]);
    await store.close();
    const server = await startTestServer(tmp.dir);
    cleanups.push(() => server.close());
    expect((await getJson<AlarmRecord[]>(server, '/api/v1/alarms?state=active')).map((a) => a.id)).toEqual(['al-lost']);
    const gw = await connectGateway(server.mqttUrl, 'gw-1');
    cleanups.push(() => gw.endAsync());
    const now = Date.now();
    await gw.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts: now, headcount: { total: 0 } }])), { qos: 1 });
    const cleared = await waitFor(async () => (await all(server)).find((a) => a.id === 'al-lost' && a.clearedAt !== null), 'the adopted alarm cleared');
    expect(cleared).toMatchObject({ clearReason: 'condition-ended', clearedAt: new Date(now + 1000).toISOString() });
  });

  it('are held across a restart once adopted (the state is saved at start)', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const first = await startTestServer(tmp.dir);
    await first.close();
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    const alarm = lost('al-lost', 'ws-a', Date.now() - 3_600_000);
    await store.append([{ kind: 'raised', at: alarm.raisedAt, alarm }]);
    await store.close();
    const second = await startTestServer(tmp.dir);
    await second.close();
    // The engine saved at start holds the alarm: it is no orphan any more.
    const saved = await (async () => {
      const s = new SqliteAlarmStore({ dataDir: tmp.dir });
      try {
        return await s.loadEngineState();
      } finally {
        await s.close();
      }
    })();
    expect(Object.values(saved!.snapshot.trackers).filter((t) => t?.active).map((t) => t!.active!.id)).toEqual(['al-lost']);
  });
});
