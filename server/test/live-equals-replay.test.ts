// The live service and `hazwatch replay` are one engine: what the server received, replayed on a
// virtual clock, gives exactly the alarm records the server stored.
import { describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import { replay } from '../src/replay/replay.ts';
import { batch, connectGateway, getJson, startTestServer, tempDir, waitFor } from './helpers.ts';

const strip = ({ id: _id, detectedAt: _d, ...rest }: AlarmRecord) => rest;

describe('live service and replay', () => {
  it('produce the same alarms from the same inputs', async () => {
    const tmp = tempDir();
    const server = await startTestServer(tmp.dir);
    try {
      const gw = await connectGateway(server.mqttUrl, 'gw-1');
      const send = async (seq: number, total: number, kg: number) => {
        await gw.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(seq, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total }, materialKg: kg }])), { qos: 1 });
      };
      const stored = () => getJson<AlarmRecord[]>(server, '/api/v1/alarms?state=all');
      await send(1, 3, 100); // over-staffing (limit 2)
      await waitFor(async () => (await stored()).some((a) => a.type === 'over-staffing'), 'over-staffing raised');
      await send(2, 1, 600); // staffing ends; over-quantity (limit 500) begins
      await waitFor(async () => (await stored()).some((a) => a.type === 'over-quantity'), 'over-quantity raised');
      await send(3, 0, 0);
      const live = await waitFor(async () => {
        const list = await stored();
        return list.length === 2 && list.every((a) => a.clearedAt !== null) ? list : undefined;
      }, 'both alarms cleared');
      await gw.endAsync();

      // What the server received, as the replay input format: each batch at the moment it arrived.
      const readings = await server.telemetry.query({ enterpriseId: 'ent-1' });
      const bySeq = new Map<number, { at: number; readings: unknown[] }>();
      for (const r of readings) {
        const b = bySeq.get(r.seq) ?? { at: r.receivedAt, readings: [] };
        b.readings.push(r.reading);
        bySeq.set(r.seq, b);
      }
      const inputs = [...bySeq].sort(([a], [b]) => a - b).map(([seq, b]) => ({
        at: b.at, enterpriseId: 'ent-1', gatewayId: 'gw-1', telemetry: { v: 1, gatewayId: 'gw-1', seq, sentAt: b.at, readings: b.readings },
      }));
      expect(inputs).toHaveLength(3);
      const site = (await getJson<{ site: Parameters<typeof replay>[0] }>(server, '/api/v1/site')).site;
      const replayed = replay(site, inputs, Date.now());
      const order = (l: AlarmRecord[]) => [...l].sort((a, b) => a.raisedAt.localeCompare(b.raisedAt)).map(strip);
      expect(order(replayed.alarms)).toEqual(order(live));
    } finally {
      await server.close();
      tmp.remove();
    }
  });
});
