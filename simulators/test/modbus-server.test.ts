// The simulated PLC's Modbus TCP server, spoken to by a real client library (modbus-serial), so that
// what the edge agent polls in tests is Modbus as devices speak it.
import ModbusRTU from 'modbus-serial';
import { afterEach, describe, expect, it } from 'vitest';
import { ModbusTcpServer, PlcSimulation, encodeRegisters } from '../src/index.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function client(port: number, timeoutMs = 500): Promise<ModbusRTU> {
  const c = new ModbusRTU();
  c.setTimeout(timeoutMs);
  c.setID(1);
  await c.connectTCP('127.0.0.1', { port });
  // close() calls back only for an open connection.
  cleanups.push(() => new Promise<void>((r) => (c.isOpen ? c.close(() => r()) : r())));
  return c;
}

describe('Modbus TCP server of the PLC simulator', () => {
  it('serves holding and input registers, coils, and answers bad requests with exceptions', async () => {
    const server = await ModbusTcpServer.start({ unitId: 1 });
    cleanups.push(() => server.close());
    server.set('holding', 10, 1234.5, 'float32', 'big');
    server.set('input', 20, 70_000, 'uint32', 'little');
    server.set('holding', 30, -2, 'int16');
    const c = await client(server.port);

    const f = await c.readHoldingRegisters(10, 2);
    expect(Buffer.from(f.buffer).readFloatBE(0)).toBe(1234.5);
    expect((await c.readInputRegisters(20, 2)).data).toEqual(encodeRegisters(70_000, 'uint32', 'little'));
    expect((await c.readHoldingRegisters(30, 1)).data).toEqual([0xfffe]);

    const switched = new Promise<[number, boolean]>((r) => server.once('coil', (a, on) => r([a, on])));
    await c.writeCoil(7, true);
    expect(await switched).toEqual([7, true]);
    expect(server.coils[7]).toBe(1);
    await c.writeCoils(8, [true, false, true]);
    expect([...server.coils.subarray(7, 11)]).toEqual([1, 1, 0, 1]);
    expect((await c.readCoils(7, 4)).data.slice(0, 4)).toEqual([true, true, false, true]);
    await c.writeRegisters(40, [1, 2, 3]);
    expect([...server.holding.subarray(40, 43)]).toEqual([1, 2, 3]);

    await expect(c.readHoldingRegisters(65535, 2)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(c.readHoldingRegisters(0, 200)).rejects.toMatchObject({ modbusCode: 3 });
  });

  it('stops answering on demand, and can be switched off and on again on the same port', async () => {
    const server = await ModbusTcpServer.start();
    cleanups.push(() => server.close());
    server.set('holding', 0, 42);
    const c = await client(server.port, 200);
    expect((await c.readHoldingRegisters(0, 1)).data).toEqual([42]);

    server.answering = false;
    await expect(c.readHoldingRegisters(0, 1)).rejects.toThrow(/Timed out/);
    expect(server.requests).toBe(2);

    server.answering = true;
    const port = server.port;
    await server.close();
    await expect(client(port)).rejects.toThrow(/ECONNREFUSED/);
    await server.listen();
    expect(server.port).toBe(port);
    expect((await (await client(port)).readHoldingRegisters(0, 1)).data).toEqual([42]);
  });

  it('writes simulated readings into the register map, value divided by scale', async () => {
    const server = await ModbusTcpServer.start();
    cleanups.push(() => server.close());
    const plc = new PlcSimulation(server, [
      { workshopId: 'ws-1', measure: 'materialKg', address: 0, type: 'float32', wordOrder: 'little' },
      { workshopId: 'ws-1', measure: 'headcount', address: 2, type: 'uint16' },
      { lineId: 'line-1', measure: 'production', table: 'input', address: 0, type: 'uint32', scale: 0.1 },
    ]);
    plc.apply([
      { workshopId: 'ws-1', ts: 1, headcount: { total: 3 }, materialKg: 180.5 },
      { lineId: 'line-1', ts: 1, production: { counter: 1234.5 } },
    ]);
    expect([...server.holding.subarray(0, 3)]).toEqual([...encodeRegisters(180.5, 'float32', 'little'), 3]);
    expect([...server.input.subarray(0, 2)]).toEqual(encodeRegisters(12345, 'uint32'));
    // Unknown values leave the registers as they were.
    plc.apply([{ workshopId: 'ws-1', ts: 2, headcount: { total: null }, materialKg: null }]);
    expect(server.holding[2]).toBe(3);
  });
});
