// `hazwatch-agent`: one gateway's agent from a config file, or a whole simulated site for demos.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { AgentConfigError, loadAgentConfig } from './config.ts';
import { createAgent } from './create.ts';
import { UsageError, readCredentials } from './cli-args.ts';
import { runLoad } from './load-command.ts';
import { startSimulatedSite } from './simulated-site.ts';

const USAGE = `usage:
  hazwatch-agent --config FILE [--check]
      run one gateway's agent (YAML or JSON config: enterpriseId, gatewayId, dataDir, mqtt, inputs,
      http, localAlarms; see edge-agent/examples/agent.yaml); --check: validate the file and exit
  hazwatch-agent simulate [--site FILE] [--mqtt-url URL] [--data-dir DIR] [--seed S] [--credentials FILE]
                          [--violation-every SECONDS] [--heartbeat SECONDS]
      simulate a site: one agent per gateway of the site, fed by the site simulator
      defaults: examples/demo-site.yaml, mqtt://127.0.0.1:1883, ./data/agents, seed 1, 120 s, 10 s
  hazwatch-agent load [--mqtt-url URL] [--enterprises N] [--workshops M] [--rate R] [--seconds S]
                      [--in-flight K] [--credentials FILE] [--first-seq N] [--json]
  hazwatch-agent load --write-site FILE [--enterprises N] [--workshops M]
      load a platform: the synthetic site's gateways (N enterprises × M workshops, 10 per gateway) publish
      QoS 1 batches at R readings per second per workshop (omitted: as fast as PUBACKs come back) for
      S seconds (at most 3600); --write-site writes that site for the platform to run
      defaults: mqtt://127.0.0.1:1883, 1 enterprise, 100 workshops, closed loop, 10 s, 8 in flight
options: --log-level LEVEL (or HAZWATCH_LOG_LEVEL; default info), --help`;

function number(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} expects a number of seconds, got "${value}"`);
  return n;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function runUntilSignal(logger: Logger, stop: () => Promise<void>): Promise<number> {
  const signal = await untilSignal();
  logger.info({ signal }, 'stopping');
  // A second signal while stopping means "now": the spool keeps whatever was not acknowledged.
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await stop();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  let logger: Logger | undefined;
  if (argv[0] === 'load') return runLoad(argv.slice(1), USAGE);
  try {
    const simulate = argv[0] === 'simulate';
    const { values } = parseArgs({
      args: simulate ? argv.slice(1) : argv,
      options: {
        config: { type: 'string' },
        site: { type: 'string' },
        'mqtt-url': { type: 'string' },
        credentials: { type: 'string' },
        'data-dir': { type: 'string' },
        seed: { type: 'string' },
        'violation-every': { type: 'string' },
        heartbeat: { type: 'string' },
        'log-level': { type: 'string' },
        check: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    logger = pino({ name: 'hazwatch-agent', level: values['log-level'] ?? process.env.HAZWATCH_LOG_LEVEL ?? 'info' });
    if (simulate) {
      const site = await startSimulatedSite({
        siteFile: resolve(values.site ?? 'examples/demo-site.yaml'),
        mqttUrl: values['mqtt-url'] ?? 'mqtt://127.0.0.1:1883',
        dataDir: resolve(values['data-dir'] ?? 'data/agents'),
        seed: values.seed ?? 1,
        violationEverySeconds: number('--violation-every', values['violation-every'], 120),
        heartbeatSeconds: Math.max(1, number('--heartbeat', values.heartbeat, 10)),
        logger,
        ...(values.credentials !== undefined ? { credentials: readCredentials(values.credentials) } : {}),
      });
      return await runUntilSignal(logger, () => site.stop());
    }
    if (values.config === undefined) throw new UsageError('--config FILE is required (or use: hazwatch-agent simulate)');
    const config = loadAgentConfig(values.config);
    if (values.check) {
      console.log(`${values.config}: valid; gateway ${config.enterpriseId}/${config.gatewayId}, inputs ${config.inputs.map((i) => i.name ?? i.kind).join(', ')}, ${config.localAlarms.outputs.length} local output(s)`);
      return 0;
    }
    const { agent, http } = await createAgent(config, logger);
    await agent.start();
    logger.info(
      { gateway: `${config.enterpriseId}/${config.gatewayId}`, mqtt: config.mqtt.url, inputs: config.inputs.map((i) => i.name ?? i.kind), ...(http ? { health: `${http.url}/health` } : {}) },
      'agent started',
    );
    return await runUntilSignal(logger, () => agent.stop());
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`hazwatch-agent: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof AgentConfigError) {
      console.error(`hazwatch-agent: ${err.message}`);
      return 2;
    }
    if (logger) logger.fatal({ err }, 'agent failed');
    else console.error(`hazwatch-agent: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
