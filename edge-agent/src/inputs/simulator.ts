// The simulator as an input adapter: one gateway's share of a simulated site.
import type { RealtimeSimulation } from '@hazwatch/simulators';
import type { InputAdapter, ReadingSink } from './adapter.ts';

export type SimulatorInputOptions = {
  simulation: RealtimeSimulation;
  enterpriseId: string;
  gatewayId: string;
  /** The adapter runs the simulation's clock itself (a standalone agent), rather than sharing it. */
  ownsClock?: boolean;
};

export function simulatorInput(opts: SimulatorInputOptions): InputAdapter {
  const { simulation, enterpriseId, gatewayId } = opts;
  let unsubscribe: (() => void) | null = null;
  return {
    name: 'simulator',
    async start(sink: ReadingSink) {
      sink(simulation.snapshot(enterpriseId, gatewayId));
      unsubscribe = simulation.subscribe(enterpriseId, gatewayId, sink);
      if (opts.ownsClock) simulation.start();
    },
    async stop() {
      if (opts.ownsClock) simulation.stop();
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
