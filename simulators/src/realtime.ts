// Drives a SiteSimulator on the wall clock and hands each gateway its own changed readings, so one
// simulated site can feed several edge agents in one process.
import type { Reading } from '@hazwatch/protocols';
import type { SiteSimulator } from './site-sim.ts';

export type ReadingListener = (readings: Reading[]) => void;

export type RealtimeOptions = {
  /** How often the simulator catches up with the clock. */
  intervalMs?: number;
  now?: () => number;
};

export class RealtimeSimulation {
  readonly sim: SiteSimulator;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly listeners = new Map<string, Set<ReadingListener>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(sim: SiteSimulator, opts: RealtimeOptions = {}) {
    this.sim = sim;
    this.intervalMs = opts.intervalMs ?? sim.tickMs;
    this.now = opts.now ?? Date.now;
  }

  /** Listens to one gateway's changed readings; returns the unsubscribe function. */
  subscribe(enterpriseId: string, gatewayId: string, listener: ReadingListener): () => void {
    const key = `${enterpriseId}/${gatewayId}`;
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The gateway's current state, for an agent that starts listening. */
  snapshot(enterpriseId: string, gatewayId: string): Reading[] {
    return this.sim.snapshot({ enterpriseId, gatewayId }).map((c) => c.reading);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.step(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Catches up with the clock and delivers what changed, per gateway, in time order. */
  step(): void {
    const byGateway = new Map<string, Reading[]>();
    for (const c of this.sim.advanceTo(this.now())) {
      const key = `${c.enterpriseId}/${c.gatewayId}`;
      let list = byGateway.get(key);
      if (!list) byGateway.set(key, (list = []));
      list.push(c.reading);
    }
    for (const [key, readings] of byGateway) {
      for (const listener of this.listeners.get(key) ?? []) listener(readings);
    }
  }
}
