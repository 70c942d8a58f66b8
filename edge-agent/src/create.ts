// Wires one agent from its configuration: spool and seq in its data dir, publisher, input adapter.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RealtimeSimulation, SiteSimulator, readSiteFile } from '@hazwatch/simulators';
import { Agent } from './agent.ts';
import type { AgentConfig } from './config.ts';
import type { InputAdapter } from './inputs/adapter.ts';
import { simulatorInput } from './inputs/simulator.ts';
import { Publisher } from './publisher.ts';
import { SeqStore } from './seq-store.ts';
import { Spool } from './spool.ts';
import { AGENT_NAME } from './version.ts';

export type CreatedAgent = { agent: Agent; publisher: Publisher; spool: Spool; seq: SeqStore };

/** An agent with the given input; `config.input` is not looked at (the caller built the adapter). */
export function createAgentWith(config: AgentConfig, input: InputAdapter, logger: Logger): CreatedAgent {
  mkdirSync(config.dataDir, { recursive: true });
  const spool = new Spool({ dir: join(config.dataDir, 'spool'), maxBatches: config.spool.maxBatches });
  // A spooled batch's seq was taken: never hand it out again, even if seq.json is older than the spool.
  const seq = new SeqStore(config.dataDir, (spool.newest ?? 0) + 1);
  const log = logger.child({ gateway: config.gatewayId });
  const publisher = new Publisher({
    enterpriseId: config.enterpriseId,
    gatewayId: config.gatewayId,
    url: config.mqtt.url,
    ...(config.mqtt.username !== undefined ? { username: config.mqtt.username } : {}),
    ...(config.mqtt.password !== undefined ? { password: config.mqtt.password } : {}),
    clientId: config.mqtt.clientId ?? `hazwatch-${config.enterpriseId}-${config.gatewayId}`,
    keepaliveSeconds: config.mqtt.keepaliveSeconds,
    reconnectSeconds: config.mqtt.reconnectSeconds,
    inFlight: config.spool.inFlight,
    agent: AGENT_NAME,
    spool,
    seq,
    logger: log,
  });
  const agent = new Agent({ input, publisher, heartbeatSeconds: config.heartbeatSeconds, logger: log });
  return { agent, publisher, spool, seq };
}

/** An agent with the input its configuration names. */
export async function createAgent(config: AgentConfig, logger: Logger): Promise<CreatedAgent> {
  const { input } = config;
  const site = await readSiteFile(input.site);
  const enterprise = site.enterprises.find((e) => e.id === config.enterpriseId);
  if (!enterprise) throw new Error(`site ${input.site} has no enterprise ${config.enterpriseId}`);
  if (!enterprise.gateways.some((g) => g.id === config.gatewayId)) {
    throw new Error(`site ${input.site}: enterprise ${config.enterpriseId} has no gateway ${config.gatewayId}`);
  }
  const sim = new SiteSimulator({ site, seed: input.seed, start: Date.now(), violations: { everySeconds: input.violationEverySeconds } });
  const simulation = new RealtimeSimulation(sim);
  return createAgentWith(config, simulatorInput({ simulation, enterpriseId: config.enterpriseId, gatewayId: config.gatewayId, ownsClock: true }), logger);
}
