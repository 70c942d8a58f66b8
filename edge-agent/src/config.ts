// The agent's configuration file (YAML or JSON). Validated whole at startup: every problem is listed
// with its path, and a misspelt key is an error, never silently ignored.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Id, formatProblems, problemsOf, strictObject, type Problem } from '@hazwatch/protocols';

const mqttUrl = z
  .string()
  .refine((s) => {
    try {
      return ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, { message: 'must be a broker URL like mqtt://127.0.0.1:1883 (mqtt, mqtts, ws or wss)' });

export const SimulatorInputConfig = strictObject({
  kind: z.literal('simulator'),
  /** The site configuration the simulator plays; relative to the agent's config file. */
  site: z.string().min(1),
  seed: z.union([z.number(), z.string()]).default(1),
  /** Mean seconds between scripted violations; 0: none. */
  violationEverySeconds: z.number().min(0).default(120),
});

export const InputConfig = z.discriminatedUnion('kind', [SimulatorInputConfig], {
  error: () => 'must name a known input adapter: kind: simulator',
});

export const AgentConfigSchema = strictObject({
  enterpriseId: Id,
  gatewayId: Id,
  /** Where `seq` and the spool live; relative to the config file. */
  dataDir: z.string().min(1),
  mqtt: strictObject({
    url: mqttUrl,
    username: z.string().optional(),
    password: z.string().optional(),
    /** Default `hazwatch-{enterpriseId}-{gatewayId}`. */
    clientId: z.string().min(1).max(128).optional(),
    keepaliveSeconds: z.number().int().min(5).max(3600).default(30),
    reconnectSeconds: z.number().min(0.1).max(600).default(2),
  }),
  /** Every heartbeat the whole current state is published, so the platform hears from a quiet gateway. */
  heartbeatSeconds: z.number().min(1).max(3600).default(10),
  spool: z
    .strictObject({
      /** Bound of the disk spool; past it the oldest unsent batch is dropped and counted. */
      maxBatches: z.number().int().min(10).max(10_000_000).default(100_000),
      /** Batches handed to the MQTT client at once, awaiting PUBACK. */
      inFlight: z.number().int().min(1).max(1000).default(32),
    })
    .default({ maxBatches: 100_000, inFlight: 32 }),
  input: InputConfig,
});
export type AgentConfig = z.output<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

export class AgentConfigError extends Error {
  readonly problems: Problem[];
  constructor(source: string, problems: Problem[]) {
    super(`${source} is not a valid agent configuration:\n${formatProblems(problems)}`);
    this.name = 'AgentConfigError';
    this.problems = problems;
  }
}

/** Validates a parsed document; paths in it are resolved against `baseDir`. */
export function parseAgentConfig(doc: unknown, baseDir: string, source = 'the configuration'): AgentConfig {
  const r = AgentConfigSchema.safeParse(doc);
  if (!r.success) throw new AgentConfigError(source, problemsOf(r.error));
  const c = r.data;
  return { ...c, dataDir: resolve(baseDir, c.dataDir), input: { ...c.input, site: resolve(baseDir, c.input.site) } };
}

export function loadAgentConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AgentConfigError(file, [{ path: '(file)', message: `cannot be read: ${(err as Error).message}` }]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new AgentConfigError(file, [{ path: '(document)', message: `is not valid YAML or JSON: ${(err as Error).message}` }]);
  }
  return parseAgentConfig(doc, dirname(resolve(file)), file);
}
