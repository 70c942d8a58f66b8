// Wires one agent from its configuration: spool and seq in its data dir, publisher, input adapters,
// the HTTP server (health, door and push endpoints), and local alarms with their outputs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RealtimeSimulation, SiteSimulator, readSiteFile } from '@hazwatch/simulators';
import type { SiteConfig } from '@hazwatch/protocols';
import { Agent } from './agent.ts';
import { systemClock, type Clock } from './clock.ts';
import type { AgentConfig, InputConfig } from './config.ts';
import { AgentHttpServer } from './http/server.ts';
import type { InputAdapter, InputHealth } from './inputs/adapter.ts';
import { doorInput } from './inputs/door.ts';
import { httpPushInput } from './inputs/http-push.ts';
import { modbusInput } from './inputs/modbus.ts';
import { simulatorInput } from './inputs/simulator.ts';
import { GatewayConfigCache } from './local-alarms/config-cache.ts';
import { LocalAlarms, type LocalAlarm } from './local-alarms/evaluator.ts';
import { OutputDriver, type OutputHealth } from './local-alarms/outputs.ts';
import { Publisher } from './publisher.ts';
import { SeqStore } from './seq-store.ts';
import { Spool } from './spool.ts';
import { AGENT_NAME } from './version.ts';

/** What an input adapter may need besides its own configuration. */
export type AgentDeps = { clock: Clock; logger: Logger; http: AgentHttpServer | null; dataDir: string };
export type InputFactory = (deps: AgentDeps) => InputAdapter[];

export type AgentHealth = {
  status: 'ok' | 'degraded';
  /** Why the status is degraded, one line each. */
  problems: string[];
  gateway: { enterpriseId: string; gatewayId: string };
  agent: string;
  now: number;
  mqtt: { url: string; connected: boolean };
  /** Requests the HTTP server refused before an input saw them (not JSON, too large, no such endpoint). */
  http: { refused: number } | null;
  spool: { buffered: number; dropped: number; maxBatches: number };
  publisher: { sent: number; acked: number; nextSeq: number };
  readings: { rejected: number };
  inputs: InputHealth[];
  localAlarms: { configRevision: number | null; active: LocalAlarm[]; outputs: OutputHealth[] };
};

export type CreatedAgent = {
  agent: Agent;
  publisher: Publisher;
  spool: Spool;
  seq: SeqStore;
  http: AgentHttpServer | null;
  localAlarms: LocalAlarms;
  outputs: OutputDriver;
  health(): AgentHealth;
};

export type CreateOptions = { clock?: Clock };

/** An agent with the given inputs (or a factory of them); `config.inputs` is not looked at. */
export function createAgentWith(config: AgentConfig, inputs: InputAdapter | InputAdapter[] | InputFactory, logger: Logger, opts: CreateOptions = {}): CreatedAgent {
  const clock = opts.clock ?? systemClock;
  mkdirSync(config.dataDir, { recursive: true });
  const log = logger.child({ gateway: config.gatewayId });
  let dropWarnedAt = 0;
  const spool = new Spool({
    dir: join(config.dataDir, 'spool'),
    maxBatches: config.spool.maxBatches,
    onDrop: (seq, total) => {
      // The 1st, 10th, 100th … drop of a long outage: loud, but not a line per batch.
      if (total >= dropWarnedAt * 10 || dropWarnedAt === 0) {
        dropWarnedAt = Math.max(1, total);
        log.warn({ seq, dropped: total, maxBatches: config.spool.maxBatches }, 'spool full: oldest unsent batch dropped');
      }
    },
  });
  // A spooled batch's seq was taken: never hand it out again, even if seq.json is older than the spool.
  const seq = new SeqStore(config.dataDir, (spool.newest ?? 0) + 1);
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
    ratePerSecond: config.spool.replayPerSecond,
    agent: AGENT_NAME,
    spool,
    seq,
    logger: log,
    clock,
  });
  const http = config.http ? new AgentHttpServer({ host: config.http.host, port: config.http.port, logger: log }) : null;
  const adapters = typeof inputs === 'function' ? inputs({ clock, logger: log, http, dataDir: config.dataDir }) : Array.isArray(inputs) ? inputs : [inputs];

  const outputs = new OutputDriver(config.localAlarms.outputs, { clock, logger: log, reassertSeconds: config.localAlarms.reassertSeconds });
  const localAlarms = new LocalAlarms({ clock, logger: log, onChange: (active) => outputs.update(active) });
  const configCache = new GatewayConfigCache(join(config.dataDir, 'gateway-config.json'), config.enterpriseId, config.gatewayId, log);
  const cached = configCache.load();
  if (cached) {
    log.info({ revision: cached.revision }, 'local alarm limits loaded from the cache');
    localAlarms.setConfig(cached);
  }
  publisher.on('config', (payload) => {
    const next = configCache.accept(payload);
    if (next) localAlarms.setConfig(next);
  });

  const agent = new Agent({
    inputs: adapters,
    publisher,
    heartbeatSeconds: config.heartbeatSeconds,
    logger: log,
    clock,
    onState: (r) => localAlarms.update(r),
    services: [
      { start: async () => outputs.start(), stop: () => outputs.stop() },
      { start: async () => undefined, stop: async () => localAlarms.stop() },
      ...(http ? [{ start: () => http.start(), stop: () => http.stop() }] : []),
    ],
  });

  const health = (): AgentHealth => {
    const inputHealth = adapters.map((a) => a.health?.() ?? { kind: a.name, name: a.name, ok: true });
    const outputHealth = outputs.health();
    const stats = publisher.stats;
    const problems: string[] = [];
    if (!publisher.connected) problems.push('not connected to the broker');
    if (stats.dropped > 0) problems.push(`${stats.dropped} batch(es) dropped from a full spool`);
    for (const i of inputHealth) if (!i.ok) problems.push(`input ${i.name} cannot measure`);
    for (const o of outputHealth) if (!o.ok) problems.push(`output ${o.name} cannot be switched`);
    if (config.localAlarms.outputs.length > 0 && localAlarms.revision === null) problems.push('no limits for local alarms yet (no config received or cached)');
    return {
      status: problems.length === 0 ? 'ok' : 'degraded',
      problems,
      gateway: { enterpriseId: config.enterpriseId, gatewayId: config.gatewayId },
      agent: AGENT_NAME,
      now: clock.now(),
      mqtt: { url: config.mqtt.url, connected: publisher.connected },
      http: http ? { refused: http.refused } : null,
      spool: { buffered: stats.buffered, dropped: stats.dropped, maxBatches: config.spool.maxBatches },
      publisher: { sent: stats.sent, acked: stats.acked, nextSeq: stats.nextSeq },
      readings: { rejected: agent.rejected },
      inputs: inputHealth,
      localAlarms: { configRevision: localAlarms.revision, active: localAlarms.active, outputs: outputHealth },
    };
  };
  http?.get('/health', () => ({ status: 200, body: health() }));
  return { agent, publisher, spool, seq, http, localAlarms, outputs, health };
}

/** The adapters a configuration names; simulator sites are read first (they are files). */
export async function inputsFromConfig(config: AgentConfig): Promise<InputFactory> {
  const sites = new Map<string, SiteConfig>();
  for (const i of config.inputs) if (i.kind === 'simulator' && !sites.has(i.site)) sites.set(i.site, await readSiteFile(i.site));
  for (const i of config.inputs) {
    if (i.kind !== 'simulator') continue;
    const enterprise = sites.get(i.site)!.enterprises.find((e) => e.id === config.enterpriseId);
    if (!enterprise) throw new Error(`site ${i.site} has no enterprise ${config.enterpriseId}`);
    if (!enterprise.gateways.some((g) => g.id === config.gatewayId)) throw new Error(`site ${i.site}: enterprise ${config.enterpriseId} has no gateway ${config.gatewayId}`);
  }
  return (deps) =>
    config.inputs.map((i: InputConfig): InputAdapter => {
      switch (i.kind) {
        case 'simulator': {
          const sim = new SiteSimulator({ site: sites.get(i.site)!, seed: i.seed, start: deps.clock.now(), violations: { everySeconds: i.violationEverySeconds } });
          const simulation = new RealtimeSimulation(sim, { now: () => deps.clock.now() });
          return simulatorInput({ simulation, enterpriseId: config.enterpriseId, gatewayId: config.gatewayId, ownsClock: true });
        }
        case 'modbus':
          return modbusInput(i, deps);
        case 'door':
          return doorInput(i, { ...deps, http: deps.http! });
        case 'http-push':
          return httpPushInput(i, { ...deps, http: deps.http! });
      }
    });
}

/** An agent with the inputs its configuration names. */
export async function createAgent(config: AgentConfig, logger: Logger, opts: CreateOptions = {}): Promise<CreatedAgent> {
  return createAgentWith(config, await inputsFromConfig(config), logger, opts);
}
