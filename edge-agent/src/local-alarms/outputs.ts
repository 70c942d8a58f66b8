// The outputs local alarms drive: a Modbus coil (the siren or light wired to a PLC or I/O module) or a
// command. Each output is on while any active local alarm matches it. A write that fails is retried
// every second until it succeeds, and every output is written again each `reassertSeconds`, so a PLC
// that restarted (its coils reset) or a missed write cannot leave a siren silent.
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.ts';
import type { OutputConfig } from '../config.ts';
import { ModbusDevice } from '../modbus/device.ts';
import type { LocalAlarm } from './evaluator.ts';

const RETRY_MS = 1000;

type Writer = { describe: string; write(on: boolean): Promise<void>; close(): Promise<void> };

type OutputState = {
  config: OutputConfig;
  name: string;
  writer: Writer;
  desired: boolean;
  /** What the device was last told successfully; null: not yet. */
  written: boolean | null;
  writing: Promise<void> | null;
  lastError: string | null;
  failures: number;
};

export type OutputHealth = { name: string; kind: string; on: boolean; written: boolean | null; ok: boolean; failures: number; lastError: string | null };

function writerFor(c: OutputConfig): Writer {
  if (c.kind === 'modbus-coil') {
    const device = new ModbusDevice({ host: c.host, port: c.port, unitId: c.unitId, timeoutMs: c.timeoutMs });
    return { describe: `coil ${c.address} of ${device.address}`, write: (on) => device.writeCoil(c.address, on), close: () => device.close() };
  }
  return {
    describe: `command ${c.on[0]}`,
    write: (on) =>
      new Promise<void>((resolve, reject) => {
        const [file, ...args] = on ? c.on : c.off;
        execFile(file!, args, { timeout: c.timeoutSeconds * 1000 }, (err, _stdout, stderr) => {
          if (err) reject(new Error(`${err.message}${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}`));
          else resolve();
        });
      }),
    close: async () => undefined,
  };
}

function matches(c: OutputConfig, a: LocalAlarm): boolean {
  return c.when.types.includes(a.type) && (c.when.level === 'warning' || a.level === 'alarm');
}

export class OutputDriver {
  private readonly outputs: OutputState[];
  private reassertTimer: TimerHandle | null = null;
  private retryTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    configs: readonly OutputConfig[],
    private readonly deps: { clock: Clock; logger: Logger; reassertSeconds: number },
  ) {
    this.outputs = configs.map((config, i) => {
      const writer = writerFor(config);
      return { config, name: config.name ?? `${config.kind}-${i + 1}`, writer, desired: false, written: null, writing: null, lastError: null, failures: 0 };
    });
  }

  start(): void {
    if (this.outputs.length === 0) return;
    this.reassertTimer = this.deps.clock.every(() => this.reassert(), this.deps.reassertSeconds * 1000);
  }

  /** The local alarms now active: each output goes on or off accordingly, at once. */
  update(active: readonly LocalAlarm[]): void {
    for (const o of this.outputs) {
      const on = active.some((a) => matches(o.config, a));
      if (on === o.desired && o.written === on) continue;
      o.desired = on;
      this.deps.logger.info({ output: o.name, on }, `local output ${o.name} ${on ? 'ON' : 'off'}`);
      this.drive(o);
    }
  }

  health(): OutputHealth[] {
    return this.outputs.map((o) => ({ name: o.name, kind: o.config.kind, on: o.desired, written: o.written, ok: o.lastError === null, failures: o.failures, lastError: o.lastError }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reassertTimer?.cancel();
    this.retryTimer?.cancel();
    await Promise.all(this.outputs.map((o) => o.writing));
    await Promise.all(this.outputs.map((o) => o.writer.close()));
  }

  private reassert(): void {
    for (const o of this.outputs) this.drive(o, true);
  }

  /** Writes the desired state; one write at a time per output, the latest wish winning. */
  private drive(o: OutputState, force = false): void {
    if (this.stopped || o.writing) return;
    if (!force && o.written === o.desired) return;
    const value = o.desired;
    o.writing = o.writer
      .write(value)
      .then(
        () => {
          o.written = value;
          if (o.lastError !== null) this.deps.logger.info({ output: o.name }, `local output ${o.name} reachable again`);
          o.lastError = null;
        },
        (err: unknown) => {
          o.failures++;
          if (o.lastError === null) this.deps.logger.error({ output: o.name, target: o.writer.describe, err: (err as Error).message }, `local output ${o.name} cannot be switched ${value ? 'on' : 'off'}; retrying`);
          o.lastError = (err as Error).message;
          this.scheduleRetry();
        },
      )
      .finally(() => {
        o.writing = null;
        // The wish changed while writing: follow it now.
        if (o.written !== o.desired && o.lastError === null) this.drive(o);
      });
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = this.deps.clock.timeout(() => {
      this.retryTimer = null;
      for (const o of this.outputs) if (o.lastError !== null) this.drive(o, true);
    }, RETRY_MS);
  }
}
