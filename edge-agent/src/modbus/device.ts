// One Modbus TCP device (a PLC, a scale controller, an I/O module) through modbus-serial. Requests go
// one at a time (many small PLCs serve a single transaction per connection), each with a response
// timeout. Any failure drops the connection: the next request reconnects, so a late answer to a
// timed-out request can never be taken for the answer to a newer one.
import ModbusRTU from 'modbus-serial';

export type RegisterTable = 'holding' | 'input';

export type ModbusDeviceOptions = {
  host: string;
  port: number;
  unitId: number;
  /** Real milliseconds: how long a connect or a request may take before the device counts as silent. */
  timeoutMs: number;
};

export class ModbusDevice {
  readonly opts: ModbusDeviceOptions;
  private client: ModbusRTU | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(opts: ModbusDeviceOptions) {
    this.opts = opts;
  }

  get address(): string {
    return `${this.opts.host}:${this.opts.port}#${this.opts.unitId}`;
  }

  get connected(): boolean {
    return this.client?.isOpen ?? false;
  }

  /** `count` 16-bit registers from `address` (0-based protocol address) of the table. */
  readRegisters(table: RegisterTable, address: number, count: number): Promise<number[]> {
    return this.run(async (c) => {
      const r = table === 'holding' ? await c.readHoldingRegisters(address, count) : await c.readInputRegisters(address, count);
      if (!Array.isArray(r.data) || r.data.length < count) throw new Error(`short answer: ${count} registers asked, ${r.data?.length ?? 0} received`);
      return r.data.slice(0, count);
    });
  }

  /** Function 05: one coil on or off. */
  writeCoil(address: number, on: boolean): Promise<void> {
    return this.run(async (c) => {
      await c.writeCoil(address, on);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => undefined);
    await this.drop();
  }

  private run<T>(request: (client: ModbusRTU) => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      if (this.closed) throw new Error(`Modbus device ${this.address} is closed`);
      const client = await this.connect();
      try {
        return await withTimeout(request(client), this.opts.timeoutMs, `no answer from ${this.address} within ${this.opts.timeoutMs} ms`);
      } catch (err) {
        await this.drop();
        // modbus-serial's own timeout says only "Timed out": say who did not answer.
        if ((err as { errno?: unknown }).errno === 'ETIMEDOUT') throw new Error(`no answer from ${this.address} within ${this.opts.timeoutMs} ms`);
        throw err;
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async connect(): Promise<ModbusRTU> {
    if (this.client?.isOpen) return this.client;
    await this.drop();
    const client = new ModbusRTU();
    client.setTimeout(this.opts.timeoutMs);
    client.setID(this.opts.unitId);
    // A socket error after the connect must not become an unhandled 'error' event.
    client.on('error', () => undefined);
    try {
      await withTimeout(client.connectTCP(this.opts.host, { port: this.opts.port }), this.opts.timeoutMs, `cannot connect to ${this.address} within ${this.opts.timeoutMs} ms`);
    } catch (err) {
      await closeClient(client);
      throw err;
    }
    this.client = client;
    return client;
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await closeClient(c);
  }
}

function closeClient(c: ModbusRTU): Promise<void> {
  return new Promise((resolve) => {
    try {
      c.destroy(() => resolve());
    } catch {
      resolve();
    }
    // destroy's callback does not come for a socket that never connected.
    setTimeout(resolve, 50).unref();
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
