// Store-and-forward, end to end: a simulated PLC (the simulators' Modbus TCP server) polled by the
// agent, a real Mosquitto broker with persistence, and the real platform storing what arrives. Broker
// restarted mid-stream, agent killed with SIGKILL and restarted, a one-hour outage on a compressed
// clock: every batch reaches the platform once and in seq order.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ModbusTcpServer } from '@hazwatch/simulators';
import type { RunningServer } from '@hazwatch/server';
import { modbusInput, scaledClock, systemClock, type Clock } from '../src/index.ts';
import { ModbusInputConfig } from '../src/config.ts';
import { agentWith, getJson, tempDir } from './helpers/agent.ts';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.ts';
import { freePort, until } from './helpers/mqtt.ts';
import { oneTo, startPlatform, stored } from './helpers/platform.ts';

const BIN = fileURLToPath(new URL('../bin/hazwatch-agent.mjs', import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The PLC of the line: a scale (float32, kg) and a box totaliser (uint32) that the test moves. */
const POINTS = [
  { workshopId: 'ws-1', measure: 'materialKg', address: 0, type: 'float32' },
  { lineId: 'line-1', measure: 'production', address: 10, type: 'uint32', unit: 'box' },
];

type Rig = { dir: string; mosquitto: Mosquitto; platform: RunningServer; plc: ModbusTcpServer; boxes: number; produce(clock: Clock, everyMs: number): () => void };

async function rig(): Promise<Rig> {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  const mosquitto = await startMosquitto(tmp.dir);
  cleanups.push(() => mosquitto.stop());
  const platform = await startPlatform(join(tmp.dir, 'platform'), { mqttUrl: mosquitto.url });
  cleanups.push(() => platform.close());
  // A test that failed mid-outage: the platform says goodbye to a running broker.
  cleanups.push(() => (mosquitto.running ? undefined : mosquitto.start()));
  const plc = await ModbusTcpServer.start({ unitId: 1 });
  cleanups.push(() => plc.close());
  plc.set('holding', 0, 120, 'float32');
  const r: Rig = {
    dir: tmp.dir,
    mosquitto,
    platform,
    plc,
    boxes: 0,
    // The line packs a box every `everyMs` of the clock: each one a new counter value, so a new batch.
    produce(clock, everyMs) {
      const t = clock.every(() => plc.set('holding', 10, ++r.boxes, 'uint32'), everyMs);
      cleanups.push(() => t.cancel());
      return () => t.cancel();
    },
  };
  return r;
}

function modbus(r: Rig, pollSeconds: number) {
  return ModbusInputConfig.parse({ kind: 'modbus', host: '127.0.0.1', port: r.plc.port, unitId: 1, pollSeconds, timeoutMs: 500, points: POINTS });
}

/** Every seq from 1 to the last one taken, stored once each, in seq order. */
function expectDeliveredOnceInOrder(r: Rig, lastSeq: number): void {
  const s = stored(r.platform, 'gw-1');
  expect(s.all).toEqual(oneTo(lastSeq));
  expect(s.arrival).toEqual([...s.arrival].sort((a, b) => a - b));
  expect(s.arrival.length).toBeGreaterThan(lastSeq * 0.9);
}

describe('store-and-forward end to end', () => {
  it('delivers every batch once and in order across a broker restart mid-stream', async () => {
    const r = await rig();
    const tmp = join(r.dir, 'agent');
    // No heartbeats: every batch is a box, so once the line stops, the last seq is known.
    const a = agentWith(r.mosquitto.url, tmp, (deps) => [modbusInput(modbus(r, 0.02), deps)], { heartbeatSeconds: 3600 });
    cleanups.push(() => a.agent.stop());
    await a.agent.start();
    const stopLine = r.produce(systemClock, 15);

    await until('30 batches stored', () => stored(r.platform, 'gw-1').all.length >= 30);
    await r.mosquitto.stop();
    await until('batches spooled while the broker is down', () => a.spool.size >= 20);
    await r.mosquitto.start();
    const resumed = a.seq.next;
    await until('batches after the restart stored', () => stored(r.platform, 'gw-1').all.includes(resumed + 20), 20_000);

    stopLine();
    await until('everything sent and stored', () => a.spool.size === 0 && stored(r.platform, 'gw-1').all.includes(a.seq.next - 1));
    await a.agent.stop();
    expectDeliveredOnceInOrder(r, a.seq.next - 1);
  });

  it('delivers every batch once and in order when the agent is killed with SIGKILL and restarted', async () => {
    const r = await rig();
    const httpPort = await freePort();
    const config = join(r.dir, 'agent.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        enterpriseId: 'ent-1',
        gatewayId: 'gw-1',
        dataDir: 'agent',
        mqtt: { url: r.mosquitto.url, reconnectSeconds: 0.2, keepaliveSeconds: 5 },
        heartbeatSeconds: 1,
        http: { port: httpPort },
        inputs: [{ kind: 'modbus', host: '127.0.0.1', port: r.plc.port, pollSeconds: 0.02, points: POINTS }],
      }),
    );
    const run = (): ChildProcess => {
      const child = spawn(process.execPath, [BIN, '--config', config, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
      cleanups.push(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      return child;
    };
    const health = () => getJson(`http://127.0.0.1:${httpPort}/health`).catch(() => null);
    const stopLine = r.produce(systemClock, 10);

    const first = run();
    await until('40 batches stored', () => stored(r.platform, 'gw-1').all.length >= 40, 20_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const before = Math.max(...stored(r.platform, 'gw-1').all);

    const second = run();
    await until('40 more batches stored', () => stored(r.platform, 'gw-1').all.length >= before + 40, 20_000);
    // The line stops; once the agent has sent everything it took a seq for, the platform must have it all.
    stopLine();
    let last = 0;
    await until(
      'agent drained',
      () => {
        void health().then((h) => {
          if (h && h.spool.buffered === 0 && h.mqtt.connected) last = h.publisher.nextSeq - 1;
        });
        return last > 0 && stored(r.platform, 'gw-1').all.length >= last;
      },
      20_000,
    );
    second.kill('SIGTERM');
    await new Promise((resolve) => second.once('exit', resolve));
    const s = stored(r.platform, 'gw-1');
    expect(s.all.slice(0, last)).toEqual(oneTo(last));
    expect(s.arrival).toEqual([...s.arrival].sort((x, y) => x - y));
  });

  it('after a one-hour outage (time-compressed) replays the backlog in order at a bounded rate while new readings keep flowing', async () => {
    const r = await rig();
    // 720× the wall clock, an hour ago and a bit: one hour of outage takes five seconds, and every
    // reading stays in the platform's past (it refuses readings from the future).
    const clock = scaledClock({ start: Date.now() - 3 * 3600_000, speed: 720 });
    const rate = 2;
    const a = agentWith(r.mosquitto.url, join(r.dir, 'agent'), (deps) => [modbusInput(modbus(r, 10), deps)], { heartbeatSeconds: 30, spool: { replayPerSecond: rate } }, clock);
    const sent: { seq: number; at: number }[] = [];
    a.publisher.on('sent', (seq, at) => sent.push({ seq, at }));
    cleanups.push(() => a.agent.stop());
    await a.agent.start();
    const stopLine = r.produce(clock, 10_000);
    await until('live batches stored', () => stored(r.platform, 'gw-1').all.length >= 10);

    await r.mosquitto.stop();
    const outageFrom = clock.now();
    await until('an hour without the broker', () => clock.now() - outageFrom >= 3600_000, 20_000);
    const backlog = a.spool.size;
    // An hour of 10-second polls with a box each (360), and 30-second heartbeats (120); timers on a
    // busy machine may run late, never early.
    expect(backlog).toBeGreaterThan(300);
    const lastOfOutage = a.seq.next - 1;
    await r.mosquitto.start();
    const back = clock.now();

    await until('the backlog and what followed it stored', () => stored(r.platform, 'gw-1').all.includes(lastOfOutage + 20), 30_000);
    stopLine();
    await until('everything sent and stored', () => a.spool.size === 0 && stored(r.platform, 'gw-1').all.includes(a.seq.next - 1));
    await a.agent.stop();
    expect(a.spool.size).toBe(0);
    expectDeliveredOnceInOrder(r, a.seq.next - 1);

    // New readings kept flowing: batches were taken while the backlog was going out, and went after it.
    const replay = sent.filter((x) => x.at >= back);
    const fresh = replay.filter((x) => x.seq > lastOfOutage);
    expect(fresh.length).toBeGreaterThan(10);
    expect(replay.map((x) => x.seq)).toEqual([...replay.map((x) => x.seq)].sort((x, y) => x - y));
    // Bounded: no second of the agent's clock carried more than the rate and its burst (a tenth of a second's worth, at least 1).
    const burst = Math.max(1, Math.ceil(rate / 10));
    let worst = 0;
    for (let i = 0, j = 0; i < replay.length; i++) {
      while (replay[i]!.at - replay[j]!.at >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(rate + burst);
    // And the replay took as long as the rate says it must.
    expect(replay.at(-1)!.at - replay[0]!.at).toBeGreaterThanOrEqual(((replay.length - burst) / rate) * 1000 - 1000);
  });
});
