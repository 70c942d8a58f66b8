// The agent's configuration file (YAML or JSON). Validated whole at startup: every problem is listed
// with its path, and a misspelt key is an error, never silently ignored.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Id, formatProblems, problemsOf, strictObject, type Problem } from '@hazwatch/protocols';
import { REGISTER_TYPES, wordsOf } from './modbus/codec.ts';

const mqttUrl = z
  .string()
  .refine((s) => {
    try {
      return ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, { message: 'must be a broker URL like mqtt://127.0.0.1:1883 (mqtt, mqtts, ws or wss)' });

const host = z.string().min(1).max(253);
const tcpPort = z.number().int().min(1).max(65535);
const unitId = z.number().int().min(0).max(255);
const httpPath = z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, { message: 'must be a path like /v1/readings' });
/** A name for logs and the health endpoint. */
const name = z.string().min(1).max(64).optional();

export const SimulatorInputConfig = strictObject({
  kind: z.literal('simulator'),
  name,
  /** The site configuration the simulator plays; relative to the agent's config file. */
  site: z.string().min(1),
  seed: z.union([z.number(), z.string()]).default(1),
  /** Mean seconds between scripted violations; 0: none. */
  violationEverySeconds: z.number().min(0).default(120),
});

const register = {
  table: z.enum(['holding', 'input']).default('holding'),
  /** 0-based protocol address (holding register 40001 is address 0). */
  address: z.number().int().min(0).max(65535),
  type: z.enum(REGISTER_TYPES),
  /** For 32-bit types: `big` = high word first (ABCD), `little` = low word first (CDAB). */
  wordOrder: z.enum(['big', 'little']).default('big'),
  /** Engineering value = raw × scale (e.g. 0.1 for a register in tenths). */
  scale: z
    .number()
    .refine((n) => n !== 0 && Number.isFinite(n), { message: 'must be a non-zero number' })
    .default(1),
};

export const ModbusPointConfig = z.discriminatedUnion(
  'measure',
  [
    strictObject({
      workshopId: Id,
      measure: z.literal('materialKg'),
      ...register,
      /** The unit the scaled value is in; converted to kg (TNT equivalent, SPEC 2). */
      unit: z.enum(['kg', 'g', 't']).default('kg'),
    }),
    strictObject({ workshopId: Id, measure: z.literal('headcount'), ...register }),
    strictObject({
      lineId: Id,
      measure: z.literal('production'),
      ...register,
      /** Reported with the counter, e.g. kg, boxes, pcs. */
      unit: z.string().min(1).max(16).optional(),
      /** Default: the line's configured product. */
      product: Id.optional(),
    }),
  ],
  { error: () => 'measure must be one of materialKg, headcount, production' },
);
export type ModbusPointConfig = z.output<typeof ModbusPointConfig>;

export const ModbusInputConfig = strictObject({
  kind: z.literal('modbus'),
  name,
  host,
  port: tcpPort.default(502),
  unitId: unitId.default(1),
  pollSeconds: z.number().min(0.01).max(3600).default(1),
  /** Real milliseconds before a silent device's values become unknown (null). */
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  points: z.array(ModbusPointConfig).min(1),
}).superRefine((c, ctx) => {
  c.points.forEach((p, i) => {
    if (p.address + wordsOf(p.type) > 65536) ctx.addIssue({ code: 'custom', path: ['points', i, 'address'], message: `a ${p.type} at ${p.address} runs past the last register` });
  });
});

export const DoorInputConfig = strictObject({
  kind: z.literal('door'),
  name,
  /** Where the access system posts its events on the agent's HTTP server. */
  path: httpPath.default('/v1/door-events'),
  workshops: z
    .array(
      strictObject({
        workshopId: Id,
        /** The doors (entrances) of the workshop; an event names its door. */
        doors: z.array(Id).min(1),
        /** For a workshop shared by lines: report `byLine`, attributing each person by the line on the event. */
        lines: z.array(Id).optional(),
      }),
    )
    .min(1),
}).superRefine((c, ctx) => {
  const seen = new Map<string, string>();
  c.workshops.forEach((w, i) =>
    w.doors.forEach((d, j) => {
      const other = seen.get(d);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['workshops', i, 'doors', j], message: `door ${d} is already a door of ${other}` });
      seen.set(d, w.workshopId);
    }),
  );
});

export const HttpPushInputConfig = strictObject({
  kind: z.literal('http-push'),
  name,
  path: httpPath.default('/v1/readings'),
  /** When set, a request must carry `Authorization: Bearer <token>`. */
  token: z.string().min(8).max(256).optional(),
  /** The workshops and lines this source may report; anything else is refused. */
  workshops: z.array(Id).default([]),
  lines: z.array(Id).default([]),
  /** No push for this long makes the values the source reported unknown (null), never stale-but-trusted. */
  staleAfterSeconds: z.number().min(1).max(86_400).optional(),
}).refine((c) => c.workshops.length + c.lines.length > 0, { message: 'must name at least one workshop or line', path: ['workshops'] });

export const InputConfig = z.discriminatedUnion('kind', [SimulatorInputConfig, ModbusInputConfig, DoorInputConfig, HttpPushInputConfig], {
  error: () => 'must name a known input adapter: kind: simulator, modbus, door or http-push',
});
export type InputConfig = z.output<typeof InputConfig>;

const When = strictObject({
  types: z.array(z.enum(['over-staffing', 'over-quantity'])).min(1).default(['over-staffing', 'over-quantity']),
  /** `alarm`: only 报警; `warning`: 预警 and 报警. */
  level: z.enum(['warning', 'alarm']).default('alarm'),
});
const defaultWhen = { types: ['over-staffing', 'over-quantity'] as ('over-staffing' | 'over-quantity')[], level: 'alarm' as const };

export const OutputConfig = z.discriminatedUnion(
  'kind',
  [
    strictObject({
      kind: z.literal('modbus-coil'),
      name,
      host,
      port: tcpPort.default(502),
      unitId: unitId.default(1),
      /** 0-based coil address (coil 00001 is address 0). */
      address: z.number().int().min(0).max(65535),
      timeoutMs: z.number().int().min(10).max(60_000).default(1000),
      when: When.default(defaultWhen),
    }),
    strictObject({
      kind: z.literal('command'),
      name,
      /** argv run (no shell) when the output switches on, and off. */
      on: z.array(z.string().min(1)).min(1),
      off: z.array(z.string().min(1)).min(1),
      timeoutSeconds: z.number().min(0.1).max(600).default(10),
      when: When.default(defaultWhen),
    }),
  ],
  { error: () => 'must name a known output: kind: modbus-coil or command' },
);
export type OutputConfig = z.output<typeof OutputConfig>;

export const AgentConfigSchema = strictObject({
  enterpriseId: Id,
  gatewayId: Id,
  /** Where `seq`, the spool, the cached gateway config and door state live; relative to the config file. */
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
      /** Upper bound on batches sent per second, so a backlog after an outage does not flood the platform. */
      replayPerSecond: z.number().min(0.1).max(10_000).default(50),
    })
    .default({ maxBatches: 100_000, inFlight: 32, replayPerSecond: 50 }),
  /** One input, or `inputs` for several. */
  input: InputConfig.optional(),
  inputs: z.array(InputConfig).min(1).optional(),
  /** The agent's HTTP server: health endpoint, and the door and push inputs' endpoints. */
  http: strictObject({ host: host.default('127.0.0.1'), port: z.number().int().min(0).max(65535) }).optional(),
  localAlarms: strictObject({
    outputs: z.array(OutputConfig).default([]),
    /** Outputs are written again this often, so a PLC that restarted gets its state back. */
    reassertSeconds: z.number().min(0.1).max(3600).default(10),
  }).default({ outputs: [], reassertSeconds: 10 }),
}).superRefine((c, ctx) => {
  if ((c.input === undefined) === (c.inputs === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['inputs'], message: c.input ? 'give either `input` or `inputs`, not both' : 'is required: at least one input adapter (or a single `input`)' });
    return;
  }
  const inputs = c.inputs ?? [c.input!];
  const key = c.inputs ? 'inputs' : 'input';
  const paths = new Map<string, number>();
  inputs.forEach((inp, i) => {
    const at = c.inputs ? [key, i] : [key];
    if (inp.kind !== 'door' && inp.kind !== 'http-push') return;
    if (!c.http) ctx.addIssue({ code: 'custom', path: [...at, 'kind'], message: `a ${inp.kind} input needs the agent's HTTP server: add http: { port: … }` });
    if (paths.has(inp.path) || inp.path === '/health') ctx.addIssue({ code: 'custom', path: [...at, 'path'], message: `${inp.path} is already taken` });
    paths.set(inp.path, i);
  });
});

type ParsedConfig = z.output<typeof AgentConfigSchema>;
export type AgentConfig = Omit<ParsedConfig, 'input' | 'inputs'> & { inputs: InputConfig[] };
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
  const { input, inputs, ...rest } = r.data;
  return {
    ...rest,
    dataDir: resolve(baseDir, rest.dataDir),
    inputs: (inputs ?? [input!]).map((i) => (i.kind === 'simulator' ? { ...i, site: resolve(baseDir, i.site) } : i)),
  };
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
