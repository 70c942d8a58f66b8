import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import type { RunningServer } from '../src/app.ts';
import type { IngestStatsView } from '../src/ingest/stats.ts';
import { batch, connectGateway, getJson, startTestServer, tempDir, waitFor } from './helpers.ts';

describe('restart', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function run(dir: string): Promise<RunningServer> {
    const server = await startTestServer(dir);
    cleanups.push(() => server.close());
    return server;
  }

  it('keeps telemetry, alarms and the dedupe window in the SQLite files', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const ts = Date.now();

    const first = await run(tmp.dir);
    const gw1 = await connectGateway(first.mqttUrl, 'gw-1');
    await gw1.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(41, [{ workshopId: 'ws-a', ts, headcount: { total: 3 } }])), { qos: 1 });
    const [alarm] = await waitFor(async () => {
      const list = await getJson<AlarmRecord[]>(first, '/api/v1/alarms?state=all');
      return list.length > 0 ? list : undefined;
    }, 'an alarm before the restart');
    await gw1.endAsync();
    await first.close();
    await first.close(); // twice is harmless

    const second = await run(tmp.dir);
    expect(await second.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' })).toMatchObject([{ seq: 41, reading: { ts, headcount: { total: 3 } } }]);
    expect((await getJson<AlarmRecord[]>(second, '/api/v1/alarms?state=all')).map((a) => a.id)).toContain(alarm!.id);

    const gw2 = await connectGateway(second.mqttUrl, 'gw-1');
    cleanups.push(() => gw2.endAsync());
    // Store-and-forward replays seq 41 after the restart: already applied, so dropped.
    await gw2.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(41, [{ workshopId: 'ws-a', ts, headcount: { total: 3 } }])), { qos: 1 });
    await gw2.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(42, [{ workshopId: 'ws-a', ts: ts + 1, headcount: { total: 1 } }])), { qos: 1 });
    const stats = await waitFor(async () => {
      const s = await getJson<IngestStatsView>(second, '/api/v1/ingest/stats');
      return s.batchesAccepted === 1 ? s : undefined;
    }, 'seq 42 accepted');
    expect(stats.duplicates).toBe(1);
    expect((await second.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' })).map((r) => r.seq)).toEqual([41, 42]);
  });
});
