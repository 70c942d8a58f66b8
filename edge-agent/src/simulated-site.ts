// A whole simulated site: one simulator, one edge agent per gateway, in one process. This is what
// `npm start` and the compose file's simulator run beside the platform; each agent is the real one
// (own seq, spool, MQTT connection, will), only its input is simulated.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RealtimeSimulation, SiteSimulator, readSiteFile, type Violation } from '@hazwatch/simulators';
import { gatewayLogin } from './cli-args.ts';
import { parseAgentConfig } from './config.ts';
import { createAgentWith, type CreatedAgent } from './create.ts';
import { simulatorInput } from './inputs/simulator.ts';

export type SimulatedSiteOptions = {
  siteFile: string;
  mqttUrl: string;
  /** Each agent keeps its seq and spool in `{dataDir}/{enterpriseId}/{gatewayId}`. */
  dataDir: string;
  seed: number | string;
  heartbeatSeconds: number;
  violationEverySeconds: number;
  logger: Logger;
  /** MQTT secrets by `{enterpriseId}/{gatewayId}` (the user name): a platform with auth on wants them. */
  credentials?: Record<string, string>;
};

export type SimulatedSite = {
  agents: (CreatedAgent & { enterpriseId: string; gatewayId: string })[];
  simulation: RealtimeSimulation;
  stop(): Promise<void>;
};

const TERMS: Record<Violation['kind'], string> = { 'over-staffing': '超员', 'over-quantity': '超量' };

export async function startSimulatedSite(opts: SimulatedSiteOptions): Promise<SimulatedSite> {
  const site = await readSiteFile(opts.siteFile);
  const log = opts.logger;
  const sim = new SiteSimulator({
    site,
    seed: opts.seed,
    start: Date.now(),
    violations: { everySeconds: opts.violationEverySeconds },
    onViolation: (v, phase) => {
      const unit = v.kind === 'over-staffing' ? 'persons' : 'kg';
      if (phase === 'start') {
        log.info({ ...v }, `scripted violation ${TERMS[v.kind]} ${v.kind} in ${v.workshopId}: ${v.value} ${unit} against a limit of ${v.limit}, for ${Math.round((v.until - v.from) / 1000)} s`);
      } else log.info({ workshopId: v.workshopId, kind: v.kind }, `scripted violation in ${v.workshopId} is over`);
    },
  });
  const simulation = new RealtimeSimulation(sim);
  const agents: SimulatedSite['agents'] = [];
  for (const e of site.enterprises) {
    for (const g of e.gateways) {
      const config = parseAgentConfig(
        {
          enterpriseId: e.id,
          gatewayId: g.id,
          dataDir: join(opts.dataDir, e.id, g.id),
          mqtt: {
            url: opts.mqttUrl,
            ...gatewayLogin(opts.credentials, e.id, g.id),
          },
          heartbeatSeconds: opts.heartbeatSeconds,
          input: { kind: 'simulator', site: opts.siteFile, seed: opts.seed, violationEverySeconds: opts.violationEverySeconds },
        },
        process.cwd(),
        `simulated agent ${e.id}/${g.id}`,
      );
      const created = createAgentWith(config, simulatorInput({ simulation, enterpriseId: e.id, gatewayId: g.id }), log);
      agents.push({ ...created, enterpriseId: e.id, gatewayId: g.id });
    }
  }
  await Promise.all(agents.map((a) => a.agent.start()));
  simulation.start();
  log.info({ gateways: agents.map((a) => `${a.enterpriseId}/${a.gatewayId}`), mqtt: opts.mqttUrl }, `simulating ${agents.length} gateway(s)`);
  return {
    agents,
    simulation,
    async stop() {
      simulation.stop();
      await Promise.all(agents.map((a) => a.agent.stop()));
    },
  };
}
