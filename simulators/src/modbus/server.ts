// A small Modbus TCP server standing in for the PLCs, scales and I/O modules of a line: four register
// banks, function codes 1–6, 15 and 16, exception answers, and a switch that makes it stop answering
// (a scale whose controller hangs keeps its TCP connection open and simply never replies).
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeRegisters, type RegisterType, type WordOrder } from './codec.ts';

export type ModbusServerOptions = {
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  /** Answer only this unit id; default: any. */
  unitId?: number;
};

export type ModbusServerEvents = {
  /** A client switched a coil (functions 05 and 15). */
  coil: [address: number, on: boolean];
  register: [address: number, value: number];
};

const MBAP = 7; // transaction (2), protocol (2), length (2), unit (1)
const ILLEGAL_FUNCTION = 1;
const ILLEGAL_ADDRESS = 2;
const ILLEGAL_VALUE = 3;

export class ModbusTcpServer extends EventEmitter<ModbusServerEvents> {
  readonly holding = new Uint16Array(65536);
  readonly input = new Uint16Array(65536);
  readonly coils = new Uint8Array(65536);
  readonly discrete = new Uint8Array(65536);
  /** false: requests are read and never answered. */
  answering = true;
  /** Requests received (answered or not). */
  requests = 0;
  private readonly unitId: number | undefined;
  private readonly host: string;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  private constructor(opts: ModbusServerOptions) {
    super();
    this.unitId = opts.unitId;
    this.host = opts.host ?? '127.0.0.1';
  }

  static async start(opts: ModbusServerOptions = {}): Promise<ModbusTcpServer> {
    const s = new ModbusTcpServer(opts);
    await s.listen(opts.port ?? 0);
    return s;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Writes `value` as `type` into a register bank (what the PLC program would do). */
  set(table: 'holding' | 'input', address: number, value: number, type: RegisterType = 'uint16', order: WordOrder = 'big'): void {
    const bank = table === 'holding' ? this.holding : this.input;
    encodeRegisters(value, type, order).forEach((w, i) => (bank[address + i] = w));
  }

  /** Listens again (on the same port unless told otherwise) after `close`. */
  async listen(port = this.boundPort): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops listening and cuts every connection (the device is switched off). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = Buffer.alloc(0);
    socket.on('data', (data) => {
      buf = Buffer.concat([buf, data]);
      while (buf.length >= MBAP) {
        const length = buf.readUInt16BE(4);
        if (length < 2 || length > 254) {
          // Not Modbus: nothing sensible can be resynchronised on a byte stream.
          socket.destroy();
          return;
        }
        if (buf.length < 6 + length) break;
        const frame = buf.subarray(0, 6 + length);
        buf = buf.subarray(6 + length);
        this.requests++;
        const protocol = frame.readUInt16BE(2);
        const unit = frame.readUInt8(6);
        if (!this.answering || protocol !== 0 || (this.unitId !== undefined && unit !== this.unitId)) continue;
        const pdu = this.handle(frame.subarray(MBAP));
        const header = Buffer.alloc(MBAP);
        header.writeUInt16BE(frame.readUInt16BE(0), 0);
        header.writeUInt16BE(0, 2);
        header.writeUInt16BE(pdu.length + 1, 4);
        header.writeUInt8(unit, 6);
        socket.write(Buffer.concat([header, pdu]));
      }
    });
  }

  /** One request PDU in, its answer PDU out. */
  private handle(pdu: Buffer): Buffer {
    const fc = pdu.readUInt8(0);
    const fail = (code: number) => Buffer.from([fc | 0x80, code]);
    if (pdu.length < 5) return fail(ILLEGAL_VALUE);
    const address = pdu.readUInt16BE(1);
    const word = pdu.readUInt16BE(3);
    switch (fc) {
      case 1:
      case 2: {
        if (word < 1 || word > 2000) return fail(ILLEGAL_VALUE);
        if (address + word > 65536) return fail(ILLEGAL_ADDRESS);
        const bank = fc === 1 ? this.coils : this.discrete;
        const bytes = Buffer.alloc(Math.ceil(word / 8));
        for (let i = 0; i < word; i++) if (bank[address + i]) bytes[i >> 3]! |= 1 << (i & 7);
        return Buffer.concat([Buffer.from([fc, bytes.length]), bytes]);
      }
      case 3:
      case 4: {
        if (word < 1 || word > 125) return fail(ILLEGAL_VALUE);
        if (address + word > 65536) return fail(ILLEGAL_ADDRESS);
        const bank = fc === 3 ? this.holding : this.input;
        const out = Buffer.alloc(2 + word * 2);
        out.writeUInt8(fc, 0);
        out.writeUInt8(word * 2, 1);
        for (let i = 0; i < word; i++) out.writeUInt16BE(bank[address + i]!, 2 + i * 2);
        return out;
      }
      case 5: {
        if (word !== 0xff00 && word !== 0x0000) return fail(ILLEGAL_VALUE);
        this.coils[address] = word === 0xff00 ? 1 : 0;
        this.emit('coil', address, word === 0xff00);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 6: {
        this.holding[address] = word;
        this.emit('register', address, word);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 15:
      case 16: {
        const count = word;
        const byteCount = pdu.length > 5 ? pdu.readUInt8(5) : -1;
        const max = fc === 15 ? 1968 : 123;
        const need = fc === 15 ? Math.ceil(count / 8) : count * 2;
        if (count < 1 || count > max || byteCount !== need || pdu.length < 6 + need) return fail(ILLEGAL_VALUE);
        if (address + count > 65536) return fail(ILLEGAL_ADDRESS);
        for (let i = 0; i < count; i++) {
          if (fc === 15) {
            const on = ((pdu[6 + (i >> 3)]! >> (i & 7)) & 1) === 1;
            this.coils[address + i] = on ? 1 : 0;
            this.emit('coil', address + i, on);
          } else {
            const v = pdu.readUInt16BE(6 + i * 2);
            this.holding[address + i] = v;
            this.emit('register', address + i, v);
          }
        }
        return Buffer.from(pdu.subarray(0, 5));
      }
      default:
        return fail(ILLEGAL_FUNCTION);
    }
  }
}
