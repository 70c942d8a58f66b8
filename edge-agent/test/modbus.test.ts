// The Modbus input against the simulator's Modbus TCP server: register maps decoded and scaled as the
// configuration says, and a device that stops answering reported as unknown (null), never as 0.
import { afterEach, describe, expect, it } from 'vitest';
import { ModbusTcpServer, encodeRegisters } from '@hazwatch/simulators';
import { ModbusInputConfig } from '../src/config.ts';
import { decodeRegisters, modbusInput, systemClock, type RegisterType, type WordOrder } from '../src/index.ts';
import { silent } from './helpers/agent.ts';
import { until } from './helpers/mqtt.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('register codec', () => {
  it('decodes what a PLC encodes, for every type and word order', () => {
    const cases: [RegisterType, number][] = [
      ['int16', -1234],
      ['uint16', 65_000],
      ['int32', -7_654_321],
      ['uint32', 4_000_000_000],
      ['float32', 180.5],
    ];
    for (const order of ['big', 'little'] as WordOrder[]) {
      for (const [type, value] of cases) expect(decodeRegisters(encodeRegisters(value, type, order), type, order)).toBe(value);
    }
    // Word order matters: the same words read the other way round are another number.
    expect(decodeRegisters(encodeRegisters(180.5, 'float32', 'little'), 'float32', 'big')).not.toBe(180.5);
    expect(Number.isNaN(decodeRegisters([0x7fc0, 0], 'float32', 'big'))).toBe(true);
  });
});

describe('Modbus input', () => {
  async function setup(extra: Record<string, unknown> = {}) {
    const plc = await ModbusTcpServer.start({ unitId: 3 });
    cleanups.push(() => plc.close());
    const config = ModbusInputConfig.parse({
      kind: 'modbus',
      host: '127.0.0.1',
      port: plc.port,
      unitId: 3,
      pollSeconds: 0.05,
      timeoutMs: 150,
      points: [
        // A scale reporting tonnes, low word first; a headcount register; a totaliser in tenths of a box.
        { workshopId: 'ws-1', measure: 'materialKg', address: 100, type: 'float32', wordOrder: 'little', unit: 't' },
        { workshopId: 'ws-1', measure: 'headcount', table: 'input', address: 5, type: 'uint16' },
        { lineId: 'line-1', measure: 'production', address: 200, type: 'uint32', scale: 0.1, unit: 'boxes', product: 'emulsion' },
      ],
      ...extra,
    });
    const input = modbusInput(config, { clock: systemClock, logger: silent });
    const got: unknown[][] = [];
    await input.start((rs) => got.push([...rs]));
    cleanups.push(() => input.stop());
    return { plc, input, got };
  }

  it('polls the register map and reports scaled values in engineering units', async () => {
    const { plc, got, input } = await setup();
    plc.set('holding', 100, 0.1805, 'float32', 'little');
    plc.set('input', 5, 2);
    plc.set('holding', 200, 12345, 'uint32');
    await until('a poll with the values', () => JSON.stringify(got.at(-1) ?? []).includes('1234.5'));
    const [ws, line] = got.at(-1) as [Record<string, unknown>, Record<string, unknown>];
    expect(ws).toMatchObject({ workshopId: 'ws-1', headcount: { total: 2 } });
    expect(ws.materialKg as number).toBeCloseTo(180.5, 3);
    expect(line).toMatchObject({ lineId: 'line-1', production: { counter: 1234.5, unit: 'boxes', product: 'emulsion' } });
    expect(input.health!()).toMatchObject({ kind: 'modbus', ok: true, state: 'ok' });
  });

  it('reports a silent device as unknown (null), not 0, and recovers when it answers again', async () => {
    const { plc, got, input } = await setup();
    plc.set('holding', 100, 0.2, 'float32', 'little');
    plc.set('input', 5, 1);
    plc.set('holding', 200, 10, 'uint32');
    await until('first values', () => got.length > 0 && (got.at(-1)![0] as { materialKg?: number }).materialKg !== undefined);

    plc.answering = false;
    await until('unknown values', () => (got.at(-1)![0] as { materialKg?: unknown }).materialKg === null);
    // The workshop values become unknown; the totaliser is not reported at all (it cannot be null).
    expect(got.at(-1)).toEqual([{ workshopId: 'ws-1', ts: expect.any(Number), materialKg: null, headcount: { total: null } }]);
    expect(input.health!()).toMatchObject({ ok: false, state: 'failing', lastError: expect.stringMatching(/no answer/) });

    // Switched off entirely (connection refused) is the same: unknown.
    await plc.close();
    const n = got.length;
    await until('polls while switched off', () => got.length > n + 2);
    expect(got.slice(n).every((rs) => (rs[0] as { materialKg: unknown }).materialKg === null)).toBe(true);

    plc.answering = true;
    await plc.listen();
    await until('values again', () => (got.at(-1)![0] as { materialKg?: unknown }).materialKg !== null);
    expect(got.at(-1)![1]).toMatchObject({ lineId: 'line-1', production: { counter: 1 } });
    expect(input.health!()).toMatchObject({ ok: true, state: 'ok' });
  });

  it('reports an implausible value (negative weight, NaN, a fractional headcount) as unknown', async () => {
    const { plc, got } = await setup({
      points: [
        { workshopId: 'ws-1', measure: 'materialKg', address: 0, type: 'int16' },
        { workshopId: 'ws-1', measure: 'headcount', address: 1, type: 'uint16', scale: 0.5 },
        { workshopId: 'ws-2', measure: 'materialKg', address: 2, type: 'float32' },
      ],
    });
    plc.set('holding', 0, -3, 'int16');
    plc.set('holding', 1, 3);
    plc.set('holding', 2, Number.NaN, 'float32');
    await until('a poll', () => got.length > 0);
    expect(got.at(-1)).toEqual([
      { workshopId: 'ws-1', ts: expect.any(Number), materialKg: null, headcount: { total: null } },
      { workshopId: 'ws-2', ts: expect.any(Number), materialKg: null },
    ]);
  });
});
