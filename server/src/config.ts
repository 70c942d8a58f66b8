// The platform's runtime configuration (SPEC 7), read once at startup and passed down; nothing else
// reads process.env. Sources, lowest first: defaults, an optional file (`--config FILE`, YAML or JSON,
// keyed by the variable names), the environment.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Every variable the server reads. docker-compose.yml and the docs are checked against this list. */
export const CONFIG_VARIABLES = [
  'HAZWATCH_SITE',
  'HAZWATCH_DATA_DIR',
  'HAZWATCH_HTTP_PORT',
  'HAZWATCH_HTTP_HOST',
  'HAZWATCH_MQTT_URL',
  'HAZWATCH_MQTT_PORT',
  'HAZWATCH_MQTT_HOST',
  'HAZWATCH_STORE',
  'HAZWATCH_INFLUX_URL',
  'HAZWATCH_INFLUX_TOKEN',
  'HAZWATCH_INFLUX_ORG',
  'HAZWATCH_INFLUX_BUCKET',
  'HAZWATCH_INFLUX_API',
  'HAZWATCH_LOG_LEVEL',
] as const;
export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

// Env values are strings, file values may be numbers: accept both, decide here.
const port = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number({ message: 'expected a port number 0–65535 (0: any free port)' })
    .int({ message: 'expected a port number 0–65535 (0: any free port)' })
    .min(0, { message: 'expected a port number 0–65535 (0: any free port)' })
    .max(65535, { message: 'expected a port number 0–65535 (0: any free port)' }),
);
const text = (what: string) => z.string({ message: `expected ${what}` }).trim().min(1, { message: `expected ${what}, got an empty string` });
const host = text('a host name or IP address to listen on, e.g. 0.0.0.0 or 127.0.0.1');
const urlWith = (schemes: string[], example: string) =>
  text(`a URL like ${example}`).refine(
    (s) => {
      try {
        return schemes.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL with scheme ${schemes.map((x) => x.replace(':', '://')).join(', ')}, e.g. ${example}` },
  );

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The raw configuration keyed by variable name, with SPEC 7 defaults. Unknown keys (in a file) are errors. */
export const ConfigSchema = z
  .strictObject({
    HAZWATCH_SITE: text('the path of a site configuration file').default('examples/demo-site.yaml'),
    HAZWATCH_DATA_DIR: text('a directory for SQLite files and spools').default('./data'),
    HAZWATCH_HTTP_PORT: port.default(8080),
    HAZWATCH_HTTP_HOST: host.default('0.0.0.0'),
    /** Unset: run the embedded broker. */
    HAZWATCH_MQTT_URL: urlWith(['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'], 'mqtt://broker:1883').optional(),
    HAZWATCH_MQTT_PORT: port.default(1883),
    HAZWATCH_MQTT_HOST: host.default('0.0.0.0'),
    HAZWATCH_STORE: z.enum(['sqlite', 'influxdb'], { message: 'expected "sqlite" or "influxdb"' }).default('sqlite'),
    HAZWATCH_INFLUX_URL: urlWith(['http:', 'https:'], 'http://influxdb:8086').optional(),
    HAZWATCH_INFLUX_TOKEN: text('an InfluxDB API token').optional(),
    HAZWATCH_INFLUX_ORG: text('an InfluxDB organisation').optional(),
    HAZWATCH_INFLUX_BUCKET: text('an InfluxDB bucket (the database on InfluxDB 1.x)').optional(),
    HAZWATCH_INFLUX_API: z.enum(['v1', 'v2'], { message: 'expected "v1" (InfluxDB 1.x) or "v2"' }).default('v2'),
    HAZWATCH_LOG_LEVEL: z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.HAZWATCH_STORE !== 'influxdb') return;
    const need = (key: ConfigVariable, why: string) => {
      if (c[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `is required when HAZWATCH_STORE=influxdb${why}` });
    };
    need('HAZWATCH_INFLUX_URL', '');
    need('HAZWATCH_INFLUX_BUCKET', '');
    if (c.HAZWATCH_INFLUX_API === 'v2') {
      need('HAZWATCH_INFLUX_TOKEN', ' and HAZWATCH_INFLUX_API=v2');
      need('HAZWATCH_INFLUX_ORG', ' and HAZWATCH_INFLUX_API=v2');
    }
  });
export type RawConfig = z.output<typeof ConfigSchema>;

export type StoreConfig =
  | { kind: 'sqlite' }
  | { kind: 'influxdb'; url: string; api: 'v1' | 'v2'; bucket: string; token?: string; org?: string };

/** The configuration as the rest of the server uses it: paths absolute, ports numbers. */
export type Config = {
  site: string;
  dataDir: string;
  http: { host: string; port: number };
  /** `url` set: connect to that broker; unset: run the embedded one on host:port. */
  mqtt: { url?: string; host: string; port: number };
  store: StoreConfig;
  logLevel: (typeof LOG_LEVELS)[number];
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type ConfigSources = {
  env?: Record<string, string | undefined>;
  /** Values from a config file, keyed by variable name. */
  file?: Record<string, unknown>;
  fileName?: string;
  cwd?: string;
};

function describe(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

/** Merges file and environment (environment wins) and validates; throws ConfigError listing every problem. */
export function resolveConfig({ env = {}, file = {}, fileName, cwd = process.cwd() }: ConfigSources): Config {
  const merged: Record<string, unknown> = { ...file };
  const origin: Record<string, string> = {};
  for (const k of Object.keys(file)) origin[k] = fileName ? `from ${fileName}` : 'from the config file';
  for (const k of CONFIG_VARIABLES) {
    const v = env[k];
    // An empty variable (`HAZWATCH_MQTT_URL=` in a compose file) means unset.
    if (v === undefined || v === '') continue;
    merged[k] = v;
    origin[k] = 'from the environment';
  }
  const r = ConfigSchema.safeParse(merged);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.map((i) => {
        if (i.code === 'unrecognized_keys') {
          return `${i.keys.join(', ')} ${origin[i.keys[0] ?? ''] ?? ''}: unknown setting; expected one of ${CONFIG_VARIABLES.join(', ')}`;
        }
        const key = String(i.path[0] ?? '(config)');
        const where = origin[key] ? ` ${origin[key]}` : '';
        return `${key}=${describe(merged[key])}${where}: ${i.message}`;
      }),
    );
  }
  return toConfig(r.data, cwd);
}

function toConfig(c: RawConfig, cwd: string): Config {
  const store: StoreConfig =
    c.HAZWATCH_STORE === 'sqlite'
      ? { kind: 'sqlite' }
      : {
          kind: 'influxdb',
          // Presence is checked by the schema's superRefine.
          url: c.HAZWATCH_INFLUX_URL!,
          bucket: c.HAZWATCH_INFLUX_BUCKET!,
          api: c.HAZWATCH_INFLUX_API,
          ...(c.HAZWATCH_INFLUX_TOKEN !== undefined ? { token: c.HAZWATCH_INFLUX_TOKEN } : {}),
          ...(c.HAZWATCH_INFLUX_ORG !== undefined ? { org: c.HAZWATCH_INFLUX_ORG } : {}),
        };
  return {
    site: resolve(cwd, c.HAZWATCH_SITE),
    dataDir: resolve(cwd, c.HAZWATCH_DATA_DIR),
    http: { host: c.HAZWATCH_HTTP_HOST, port: c.HAZWATCH_HTTP_PORT },
    mqtt: {
      ...(c.HAZWATCH_MQTT_URL !== undefined ? { url: c.HAZWATCH_MQTT_URL } : {}),
      host: c.HAZWATCH_MQTT_HOST,
      port: c.HAZWATCH_MQTT_PORT,
    },
    store,
    logLevel: c.HAZWATCH_LOG_LEVEL,
  };
}

/** Reads a config file (YAML or JSON) into variable-keyed values; throws ConfigError when unreadable. */
export function readConfigFile(file: string): Record<string, unknown> {
  let textContent: string;
  try {
    textContent = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`--config ${file}: cannot be read: ${(err as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(textContent, { uniqueKeys: true });
  } catch (err) {
    throw new ConfigError([`--config ${file}: is not valid YAML or JSON: ${(err as Error).message}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError([`--config ${file}: expected a mapping of HAZWATCH_* settings to values`]);
  }
  return doc as Record<string, unknown>;
}

/** The one place the server reads its configuration: the environment, plus a file when given. */
export function loadConfig(opts: { env?: Record<string, string | undefined>; configFile?: string; cwd?: string } = {}): Config {
  const cwd = opts.cwd ?? process.cwd();
  const fileName = opts.configFile !== undefined ? resolve(cwd, opts.configFile) : undefined;
  const file = fileName !== undefined ? readConfigFile(fileName) : {};
  return resolveConfig({ env: opts.env ?? process.env, file, cwd, ...(fileName !== undefined ? { fileName: opts.configFile } : {}) });
}
