// Modbus TCP polling of one device (PLC, scale controller): every `pollSeconds` each point of the
// register map is read, scaled and reported. A device that does not answer makes its workshop values
// unknown (`null`, SPEC 2) — never 0, which would read as "empty" and hide explosive or people. A
// production totaliser cannot be null on the wire; while its device is silent it is simply not reported,
// and the platform's counter holds.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.ts';
import type { ModbusInputConfig, ModbusPointConfig } from '../config.ts';
import { decodeRegisters, wordsOf } from '../modbus/codec.ts';
import { ModbusDevice } from '../modbus/device.ts';
import type { InputAdapter, InputHealth, ReadingSink } from './adapter.ts';
import type { z } from 'zod';

type Config = z.output<typeof ModbusInputConfig>;

const KG_PER_UNIT = { kg: 1, g: 0.001, t: 1000 } as const;

/** A Modbus exception answer: the device is alive, but this register is not (bad map, or a fault). */
function isModbusException(err: unknown): boolean {
  return typeof (err as { modbusCode?: unknown })?.modbusCode === 'number';
}

type PointValue = { point: ModbusPointConfig; value: number | null };

export function modbusInput(config: Config, deps: { clock: Clock; logger: Logger }): InputAdapter {
  const device = new ModbusDevice({ host: config.host, port: config.port, unitId: config.unitId, timeoutMs: config.timeoutMs });
  const name = config.name ?? `modbus ${device.address}`;
  const log = deps.logger.child({ input: name });
  let sink: ReadingSink | null = null;
  let timer: TimerHandle | null = null;
  let polling: Promise<void> | null = null;
  let state: 'starting' | 'ok' | 'failing' = 'starting';
  let lastError: string | null = null;
  let lastOkAt: number | null = null;
  let polls = 0;
  let failures = 0;
  let outOfRange = 0;

  /** The engineering value of a point, or null when it is not a plausible measurement. */
  function convert(p: ModbusPointConfig, raw: number): number | null {
    // 12 significant digits: beyond any register's precision, and 1805 × 0.1 reads 180.5, not 180.50000000000003.
    const clean = (n: number) => Number(n.toPrecision(12));
    const v = clean(raw * p.scale);
    if (!Number.isFinite(v) || v < 0) return null;
    if (p.measure === 'materialKg') return clean(v * KG_PER_UNIT[p.unit]);
    // A headcount is whole persons; a fraction means a wrong scale or type in the map.
    if (p.measure === 'headcount') return Math.abs(v - Math.round(v)) < 1e-6 ? Math.round(v) : null;
    return v;
  }

  async function readAll(): Promise<{ values: PointValue[]; deviceError: string | null }> {
    const values: PointValue[] = [];
    for (const point of config.points) {
      try {
        const words = await device.readRegisters(point.table, point.address, wordsOf(point.type));
        const value = convert(point, decodeRegisters(words, point.type, point.wordOrder));
        if (value === null) {
          outOfRange++;
          log.debug({ point: pointName(point) }, 'implausible register value; reported as unknown');
        }
        values.push({ point, value });
      } catch (err) {
        if (!isModbusException(err)) return { values: [], deviceError: (err as Error).message };
        values.push({ point, value: null });
        lastError = `${pointName(point)}: ${(err as Error).message}`;
      }
    }
    return { values, deviceError: null };
  }

  function readingsOf(values: PointValue[], ts: number): unknown[] {
    const workshops = new Map<string, Record<string, unknown>>();
    const out: unknown[] = [];
    for (const { point: p, value } of values) {
      if (p.measure === 'production') {
        if (value === null) continue;
        out.push({ lineId: p.lineId, ts, production: { counter: value, ...(p.unit ? { unit: p.unit } : {}), ...(p.product ? { product: p.product } : {}) } });
        continue;
      }
      let r = workshops.get(p.workshopId);
      if (!r) workshops.set(p.workshopId, (r = { workshopId: p.workshopId, ts }));
      if (p.measure === 'materialKg') r.materialKg = value;
      else r.headcount = { total: value };
    }
    return [...workshops.values(), ...out];
  }

  /** Every workshop value this device measures, unknown: what a silent device means. */
  function unknownReadings(ts: number): unknown[] {
    return readingsOf(
      config.points.filter((p) => p.measure !== 'production').map((point) => ({ point, value: null })),
      ts,
    );
  }

  async function poll(): Promise<void> {
    polls++;
    const { values, deviceError } = await readAll();
    const ts = deps.clock.now();
    if (!sink) return;
    if (deviceError !== null) {
      failures++;
      lastError = deviceError;
      if (state !== 'failing') log.warn({ device: device.address, err: deviceError }, 'Modbus device not answering; its values are unknown until it does');
      state = 'failing';
      sink(unknownReadings(ts));
      return;
    }
    if (state === 'failing') log.info({ device: device.address }, 'Modbus device answering again');
    state = 'ok';
    lastOkAt = ts;
    sink(readingsOf(values, ts));
  }

  function tick(): void {
    // A slow device must not pile up polls: the next one starts only when this one is done.
    if (polling) return;
    polling = poll()
      .catch((err: unknown) => log.error({ err }, 'Modbus poll failed'))
      .finally(() => (polling = null));
  }

  return {
    name,
    async start(s) {
      sink = s;
      tick();
      timer = deps.clock.every(tick, config.pollSeconds * 1000);
    },
    async stop() {
      timer?.cancel();
      timer = null;
      sink = null;
      await polling;
      await device.close();
    },
    health(): InputHealth {
      return { kind: 'modbus', name, ok: state !== 'failing', device: device.address, state, polls, failures, outOfRange, lastError, lastOkAt };
    },
  };
}

function pointName(p: ModbusPointConfig): string {
  return `${'lineId' in p ? p.lineId : p.workshopId}.${p.measure}@${p.table}:${p.address}`;
}
