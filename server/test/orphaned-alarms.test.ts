// Alarms active in the ledger that the restored rule engine does not hold would never clear: the
// server names them at start (see rules/orphaned-alarms.ts for how they arise).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord, AlarmType } from '@hazwatch/protocols';
import { orphanedAlarms } from '../src/rules/orphaned-alarms.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { startTestServer, tempDir, capturedLogger } from './helpers.ts';

const at = '2026-03-02T01:00:00.000Z';
const alarm = (id: string, type: AlarmType, workshopId = 'ws-a'): AlarmRecord => ({
  id, type, reason: null, level: 'alarm', enterpriseId: 'ent-1', subject: type === 'notification-failed' ? {} : { workshopId },
  value: 3, peak: 3, limit: 2, since: at, raisedAt: at, escalatedAt: null, clearedAt: null, detectedAt: at, late: false, configRevision: 1,
});

describe('orphaned alarms', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('are the active alarms of the engine types that the engine does not hold', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    cleanups.push(() => store.close());
    const held = alarm('al-held', 'over-staffing');
    await store.append([held, alarm('al-lost', 'over-quantity', 'ws-b'), alarm('al-notify', 'notification-failed')].map((a) => ({ kind: 'raised' as const, at, alarm: a })));
    expect((await orphanedAlarms(store, [held])).map((a) => a.id)).toEqual(['al-lost']);
    expect(await orphanedAlarms(store, [held, alarm('al-lost', 'over-quantity', 'ws-b')])).toEqual([]);
  });

  it('are named in a warning at start', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const dataDir = join(tmp.dir, 'data');
    // A ledger with an active alarm and no engine state that knows it.
    const store = new SqliteAlarmStore({ dataDir });
    await store.append([{ kind: 'raised', at, alarm: alarm('al-lost', 'over-staffing') }]);
    await store.close();
    const { logger, logs } = capturedLogger('warn');
    const server = await startTestServer(dataDir, { start: { logger } });
    cleanups.push(() => server.close());
    const warning = logs.find((l) => String(l.msg).startsWith('active alarms in the ledger that the rule engine does not hold'));
    expect(warning).toMatchObject({ count: 1, alarms: [{ id: 'al-lost', type: 'over-staffing', subject: { workshopId: 'ws-a' } }] });
  });
});
