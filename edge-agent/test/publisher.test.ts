import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStatus, TelemetryBatch, topics } from '@hazwatch/protocols';
import { ManualInput, agentWith, nextTurn, tempDir, workshop } from './helpers/agent.ts';
import { Recorder, freePort, startBroker, until, brokerWithRecorder } from './helpers/mqtt.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const TELEMETRY = topics.telemetry('ent-1', 'gw-1');
const STATUS = topics.status('ent-1', 'gw-1');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An agent that spooled `n` batches (one change each) while no broker ran on `port`, then stopped. */
async function spooledWithoutBroker(n: number) {
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  const input = new ManualInput();
  const a = agentWith(url, tmp.dir, input);
  await a.agent.start();
  for (let i = 0; i < n; i++) {
    input.push(workshop(T0 + i * 1000, i));
    await nextTurn();
  }
  await until(`${n} spooled batches`, () => a.spool.size === n);
  await a.agent.stop();
  return { port, url, tmp };
}

function batches(rec: Recorder) {
  return rec.on(TELEMETRY).map((m) => TelemetryBatch.parse(m.json));
}

describe('publisher over a real broker', () => {
  it('publishes changes as QoS 1 batches with consecutive seqs, a birth status, and empties the spool on PUBACK', async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups);
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const input = new ManualInput();
    const { agent, spool } = agentWith(broker.url, tmp.dir, input);
    cleanups.push(() => agent.stop());
    await agent.start();

    await rec.waitFor('online status', (ms) => ms.some((m) => m.topic === STATUS && (m.json as { state?: string }).state === 'online'));
    const online = GatewayStatus.parse(rec.on(STATUS)[0]!.json);
    expect(online).toMatchObject({ v: 1, state: 'online', buffered: 0 });
    expect(online.agent).toMatch(/^hazwatch-agent\/\d+\.\d+\.\d+/);

    input.push(workshop(T0, 1));
    await nextTurn();
    input.push(workshop(T0 + 1000, 2));
    await nextTurn();
    // The same state again is no change and sends nothing; the line reading is.
    input.push(workshop(T0 + 2000, 2), { lineId: 'line-1', ts: T0 + 2000, production: { counter: 10, unit: 'kg' } });
    await rec.waitFor('three batches', () => batches(rec).length >= 3);
    const got = batches(rec);
    expect(got.map((b) => b.seq)).toEqual([1, 2, 3]);
    expect(got[0]!.readings).toEqual([workshop(T0, 1)]);
    expect(got[2]!.readings).toEqual([{ lineId: 'line-1', ts: T0 + 2000, production: { counter: 10, unit: 'kg' } }]);
    expect(got.every((b) => b.gatewayId === 'gw-1' && b.v === 1)).toBe(true);
    await until('spool emptied by PUBACKs', () => spool.size === 0);
    expect(readdirSync(join(tmp.dir, 'spool'))).toEqual([]);
    // Each batch went as it came: no backlog, so no status beyond the birth one.
    expect(rec.on(STATUS).filter((m) => (m.json as { state?: string }).state === 'online')).toHaveLength(1);

    // A late subscriber finds the retained online status.
    const late = await Recorder.connect(broker.url, STATUS);
    cleanups.push(() => late.close());
    await late.waitFor('retained status', (ms) => ms.length > 0);
    expect(late.messages[0]).toMatchObject({ retain: true, json: { state: 'online' } });

    await agent.stop();
    await rec.waitFor('offline status on stop', (ms) => ms.some((m) => m.topic === STATUS && (m.json as { state?: string }).state === 'offline'));
  });

  it('spools while the broker is down and replays in seq order after a restart, seq continuing', async () => {
    const { port, url, tmp } = await spooledWithoutBroker(3);
    expect(JSON.parse(readFileSync(join(tmp.dir, 'seq.json'), 'utf8'))).toEqual({ next: 4 });
    expect(readdirSync(join(tmp.dir, 'spool')).sort()).toEqual(['0000000000000001.json', '0000000000000002.json', '0000000000000003.json']);

    const broker = await startBroker(port);
    cleanups.push(() => broker.close());
    const rec = await Recorder.connect(broker.url, TELEMETRY);
    cleanups.push(() => rec.close());
    const second = new ManualInput();
    const b = agentWith(url, tmp.dir, second);
    cleanups.push(() => b.agent.stop());
    await b.agent.start();
    second.push(workshop(T0 + 10_000, 5));
    await rec.waitFor('four batches', () => batches(rec).length >= 4);
    const got = batches(rec);
    expect(got.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
    expect(got.map((x) => (x.readings[0] as { headcount: { total: number } }).headcount.total)).toEqual([0, 1, 2, 5]);
    await until('spool emptied', () => b.spool.size === 0);
  });

  it('says its backlog in the birth status, and says again once it has drained', async () => {
    const { port, url, tmp } = await spooledWithoutBroker(4);

    const broker = await startBroker(port);
    cleanups.push(() => broker.close());
    const rec = await Recorder.connect(broker.url, STATUS);
    cleanups.push(() => rec.close());
    const b = agentWith(url, tmp.dir, new ManualInput());
    cleanups.push(() => b.agent.stop());
    await b.agent.start();
    const said = () => rec.on(STATUS).map((m) => GatewayStatus.parse(m.json)).filter((x) => x.state === 'online');
    await rec.waitFor('a status after the drain', () => said().some((x) => x.buffered === 0));
    // The birth status counted the backlog; the next one, sent once it had drained, says none is left.
    expect(said().map((x) => x.buffered)).toEqual([4, 0]);
    expect(b.spool.size).toBe(0);
  });

  it('sends the whole current state at every heartbeat, stamped with the time of the beat', async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups, TELEMETRY);
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const input = new ManualInput();
    const { agent } = agentWith(broker.url, tmp.dir, input, { heartbeatSeconds: 1 });
    cleanups.push(() => agent.stop());
    await agent.start();
    input.push(workshop(T0, 2), { lineId: 'line-1', ts: T0, production: { counter: 7 } });
    await rec.waitFor('a heartbeat after the change', () => batches(rec).length >= 2, 5000);
    const [change, beat] = batches(rec);
    expect(change!.readings).toHaveLength(2);
    expect(beat!.readings).toHaveLength(2);
    expect(beat!.readings.every((r) => (r.ts as number) > T0)).toBe(true);
    expect(beat!.readings[0]).toMatchObject({ workshopId: 'ws-1', headcount: { total: 2 } });
  });

  it('refuses invalid readings one by one and counts them', async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups, TELEMETRY);
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const input = new ManualInput();
    const { agent } = agentWith(broker.url, tmp.dir, input);
    cleanups.push(() => agent.stop());
    await agent.start();
    input.push(workshop(T0, -1), { workshopId: 'bad id!', ts: T0 }, 'garbage', workshop(T0, 1));
    await rec.waitFor('the valid reading', () => batches(rec).length >= 1);
    expect(batches(rec)[0]!.readings).toEqual([workshop(T0, 1)]);
    expect(agent.rejected).toBe(3);
  });
});
