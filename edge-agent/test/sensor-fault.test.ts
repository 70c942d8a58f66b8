// A scale that stops answering, end to end: the simulator's Modbus TCP server goes silent, the agent
// reports the explosive quantity as unknown (null, never 0), and the platform raises a sensor fault —
// which clears once the scale answers again.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import { ModbusTcpServer } from '@hazwatch/simulators';
import { ModbusInputConfig } from '../src/config.ts';
import { modbusInput } from '../src/index.ts';
import { agentWith, tempDir } from './helpers/agent.ts';
import { until } from './helpers/mqtt.ts';
import { platformJson, startPlatform } from './helpers/platform.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Workshop = { workshopId: string; materialKg: number | null };

describe('a scale that stops answering', () => {
  it('yields null at the agent and a sensor fault (quantity-unknown) on the platform', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const platform = await startPlatform(join(tmp.dir, 'platform'));
    cleanups.push(() => platform.close());
    const scale = await ModbusTcpServer.start({ unitId: 2 });
    cleanups.push(() => scale.close());
    scale.set('input', 30, 1805, 'uint16');
    const input = ModbusInputConfig.parse({
      kind: 'modbus',
      name: 'scale-ws-1',
      host: '127.0.0.1',
      port: scale.port,
      unitId: 2,
      pollSeconds: 0.1,
      timeoutMs: 200,
      // A platform scale reporting tenths of a kilogram.
      points: [{ workshopId: 'ws-1', measure: 'materialKg', table: 'input', address: 30, type: 'uint16', scale: 0.1 }],
    });
    const a = agentWith(platform.mqttUrl, join(tmp.dir, 'agent'), (deps) => [modbusInput(input, deps)], { heartbeatSeconds: 1 });
    cleanups.push(() => a.agent.stop());
    await a.agent.start();

    const workshop = async () => (await platformJson<Workshop[]>(platform, '/api/v1/workshops')).find((w) => w.workshopId === 'ws-1');
    const faults = async () =>
      (await platformJson<AlarmRecord[]>(platform, '/api/v1/alarms?state=active')).filter((x) => x.type === 'sensor-fault' && x.subject.workshopId === 'ws-1');
    let w: Workshop | undefined;
    await until('the platform sees 180.5 kg', () => {
      void workshop().then((x) => (w = x));
      return w?.materialKg === 180.5;
    });

    scale.answering = false;
    let active: AlarmRecord[] = [];
    await until('a sensor fault on the platform', () => {
      void faults().then((x) => (active = x));
      return active.length > 0;
    });
    expect(active).toEqual([expect.objectContaining({ type: 'sensor-fault', reason: 'quantity-unknown', level: 'alarm', enterpriseId: 'ent-1' })]);
    expect(a.agent.state).toEqual([{ workshopId: 'ws-1', ts: expect.any(Number), materialKg: null }]);
    await until('the platform shows the quantity unknown', () => {
      void workshop().then((x) => (w = x));
      return w !== undefined && w.materialKg === null;
    });

    scale.answering = true;
    await until('the fault clears once the scale answers', () => {
      void faults().then((x) => (active = x));
      return active.length === 0;
    });
  });
});
