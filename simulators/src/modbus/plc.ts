// A simulated PLC: the site simulator's readings written into Modbus registers under a register map,
// the way a line's PLC program keeps its scale weights, headcount and box totalisers for SCADA to poll.
import type { Reading } from '@hazwatch/protocols';
import type { RegisterType, WordOrder } from './codec.ts';
import type { ModbusTcpServer } from './server.ts';

type Register = {
  table?: 'holding' | 'input';
  /** 0-based protocol address of the first word. */
  address: number;
  type: RegisterType;
  wordOrder?: WordOrder;
  /** Engineering value = raw × scale; the PLC stores value / scale. */
  scale?: number;
};

export type PlcPoint =
  | (Register & { workshopId: string; measure: 'materialKg' | 'headcount' })
  | (Register & { lineId: string; measure: 'production' });

export class PlcSimulation {
  constructor(
    readonly server: ModbusTcpServer,
    readonly points: readonly PlcPoint[],
  ) {}

  /** Writes every mapped value the readings carry; an unknown (`null`) value leaves the register as it was. */
  apply(readings: readonly Reading[]): void {
    for (const r of readings) {
      for (const p of this.points) {
        const value = valueOf(r, p);
        if (value === undefined) continue;
        this.server.set(p.table ?? 'holding', p.address, value / (p.scale ?? 1), p.type, p.wordOrder ?? 'big');
      }
    }
  }
}

function valueOf(r: Reading, p: PlcPoint): number | undefined {
  if ('lineId' in r) return p.measure === 'production' && p.lineId === r.lineId ? r.production.counter : undefined;
  if (p.measure === 'production' || p.workshopId !== r.workshopId) return undefined;
  if (p.measure === 'materialKg') return r.materialKg ?? undefined;
  return r.headcount?.total ?? undefined;
}
