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
  // Ingestion and storage (issue 4): broker client, telemetry retention, dedupe, spool and dead letters.
  'HAZWATCH_MQTT_CLIENT_ID',
  'HAZWATCH_MQTT_USERNAME',
  'HAZWATCH_MQTT_PASSWORD',
  'HAZWATCH_MQTT_SHARE_GROUP',
  'HAZWATCH_MQTT_CA',
  'HAZWATCH_MQTT_CERT',
  'HAZWATCH_MQTT_KEY',
  'HAZWATCH_MQTT_TLS_INSECURE',
  'HAZWATCH_RETENTION_DAYS',
  'HAZWATCH_DEDUPE_DAYS',
  'HAZWATCH_DEAD_LETTERS_MAX',
  'HAZWATCH_SPOOL_MAX_BATCHES',
  'HAZWATCH_SPOOL_ALARM_PERCENT',
  'HAZWATCH_INFLUX_RETRY_MIN_MS',
  'HAZWATCH_INFLUX_RETRY_MAX_MS',
  'HAZWATCH_INFLUX_TIMEOUT_MS',
  // Reports: the Chromium that renders PDFs.
  'HAZWATCH_CHROMIUM',
  // Security (issue 6): sessions, logins, TLS, CORS, limits.
  'HAZWATCH_SESSION_HOURS',
  'HAZWATCH_LOGIN_MAX_FAILURES',
  'HAZWATCH_LOGIN_LOCK_MINUTES',
  'HAZWATCH_HTTP_TLS_CERT',
  'HAZWATCH_HTTP_TLS_KEY',
  'HAZWATCH_MQTT_TLS_CERT',
  'HAZWATCH_MQTT_TLS_KEY',
  'HAZWATCH_MQTT_ALLOW_ANONYMOUS',
  'HAZWATCH_MQTT_MAX_PACKET_BYTES',
  'HAZWATCH_HTTP_BODY_LIMIT_BYTES',
  'HAZWATCH_RATE_LIMIT_PER_MINUTE',
  'HAZWATCH_CORS_ORIGINS',
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
/** A whole number in [min, max], from a string (environment) or a number (file). */
const int = (min: number, max: number, what: string) => {
  const message = `expected ${what}: a whole number from ${min} to ${max}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ message }).int({ message }).min(min, { message }).max(max, { message }),
  );
};
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? ({ true: true, '1': true, yes: true, false: false, '0': false, no: false } as Record<string, boolean>)[v.trim().toLowerCase()] ?? v : v),
  z.boolean({ message: 'expected true or false' }),
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
    HAZWATCH_CHROMIUM: text('the path of a Chromium executable (PDF reports)').optional(),
    // A fixed client id keeps the broker's persistent session (and the QoS 1 batches it queues) across
    // restarts and container re-creation; instances sharing a subscription group need distinct ids.
    HAZWATCH_MQTT_CLIENT_ID: text('an MQTT client id').pipe(z.string().max(64, { message: 'expected at most 64 characters' })).default('hazwatch-platform'),
    HAZWATCH_MQTT_USERNAME: text('an MQTT user name').optional(),
    HAZWATCH_MQTT_PASSWORD: z.string({ message: 'expected an MQTT password' }).optional(),
    HAZWATCH_MQTT_SHARE_GROUP: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { message: 'expected a group name of letters, digits, "_", "." or "-"' })
      .optional(),
    HAZWATCH_MQTT_CA: text('the path of a PEM file with the CA certificate(s) of the broker').optional(),
    HAZWATCH_MQTT_CERT: text('the path of a PEM client certificate').optional(),
    HAZWATCH_MQTT_KEY: text('the path of a PEM client key').optional(),
    HAZWATCH_MQTT_TLS_INSECURE: bool.default(false),
    HAZWATCH_RETENTION_DAYS: int(0, 36_500, 'days of telemetry the SQLite store keeps (0: forever)').default(400),
    HAZWATCH_DEDUPE_DAYS: int(1, 3650, 'days a batch id is remembered for dedupe').default(30),
    HAZWATCH_DEAD_LETTERS_MAX: int(1, 10_000_000, 'the number of rejected messages kept for inspection').default(10_000),
    HAZWATCH_SPOOL_MAX_BATCHES: int(1, 100_000_000, 'the number of batches the InfluxDB spool may hold').default(1_000_000),
    HAZWATCH_SPOOL_ALARM_PERCENT: int(1, 100, 'the spool fill (percent) that raises an alarm').default(80),
    HAZWATCH_INFLUX_RETRY_MIN_MS: int(1, 3_600_000, 'milliseconds before the first retry of a failed InfluxDB write').default(1000),
    HAZWATCH_INFLUX_RETRY_MAX_MS: int(1, 3_600_000, 'the longest wait between InfluxDB write retries (ms)').default(60_000),
    HAZWATCH_INFLUX_TIMEOUT_MS: int(100, 600_000, 'the timeout of one InfluxDB request (ms)').default(10_000),
    HAZWATCH_SESSION_HOURS: int(1, 24 * 30, 'the lifetime of a login session in hours').default(12),
    HAZWATCH_LOGIN_MAX_FAILURES: int(1, 100, 'the wrong passwords in a row that lock an account').default(5),
    HAZWATCH_LOGIN_LOCK_MINUTES: int(1, 24 * 60, 'how long a locked account stays locked (minutes)').default(15),
    HAZWATCH_HTTP_TLS_CERT: text('the path of the PEM certificate (chain) for HTTPS').optional(),
    HAZWATCH_HTTP_TLS_KEY: text('the path of the PEM key for HTTPS').optional(),
    HAZWATCH_MQTT_TLS_CERT: text('the path of the PEM certificate (chain) of the embedded broker (mqtts)').optional(),
    HAZWATCH_MQTT_TLS_KEY: text('the path of the PEM key of the embedded broker (mqtts)').optional(),
    HAZWATCH_MQTT_ALLOW_ANONYMOUS: bool.default(false),
    HAZWATCH_MQTT_MAX_PACKET_BYTES: int(1024, 256 * 1024 * 1024, 'the largest MQTT packet the embedded broker takes (bytes)').default(2 * 1024 * 1024),
    HAZWATCH_HTTP_BODY_LIMIT_BYTES: int(1024, 64 * 1024 * 1024, 'the largest HTTP request body (bytes)').default(1024 * 1024),
    HAZWATCH_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000, 'API requests per minute per user, token or address').default(1200),
    HAZWATCH_CORS_ORIGINS: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(urlWith(['http:', 'https:'], 'https://scada.example.com').transform((u) => new URL(u).origin)))
      .optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.HAZWATCH_MQTT_CERT === undefined) !== (c.HAZWATCH_MQTT_KEY === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c.HAZWATCH_MQTT_CERT === undefined ? 'HAZWATCH_MQTT_CERT' : 'HAZWATCH_MQTT_KEY'], message: 'a client certificate needs both HAZWATCH_MQTT_CERT and HAZWATCH_MQTT_KEY' });
    }
    for (const [cert, key] of [['HAZWATCH_HTTP_TLS_CERT', 'HAZWATCH_HTTP_TLS_KEY'], ['HAZWATCH_MQTT_TLS_CERT', 'HAZWATCH_MQTT_TLS_KEY']] as const) {
      if ((c[cert] === undefined) !== (c[key] === undefined)) ctx.addIssue({ code: 'custom', path: [c[cert] === undefined ? cert : key], message: `TLS needs both ${cert} and ${key}` });
    }
    if (c.HAZWATCH_INFLUX_RETRY_MAX_MS < c.HAZWATCH_INFLUX_RETRY_MIN_MS) {
      ctx.addIssue({ code: 'custom', path: ['HAZWATCH_INFLUX_RETRY_MAX_MS'], message: 'must not be less than HAZWATCH_INFLUX_RETRY_MIN_MS' });
    }
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

export type MqttConfig = {
  url?: string;
  host: string;
  port: number;
  /** The platform client's fixed id (persistent session). */
  clientId: string;
  username?: string;
  password?: string;
  /** Set: subscribe through `$share/{group}/…` so several instances split the gateways. */
  shareGroup?: string;
  /** File paths (absolute), read when connecting. */
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
};

export type TelemetryConfig = {
  /** SQLite store: readings older than this are deleted; 0 keeps them forever. */
  retentionDays: number;
  dedupeDays: number;
  deadLettersMax: number;
  /** InfluxDB store: the durable local spool in front of it, and its write retries. */
  spoolMaxBatches: number;
  spoolAlarmPercent: number;
  retryMinMs: number;
  retryMaxMs: number;
  timeoutMs: number;
};

/** The configuration as the rest of the server uses it: paths absolute, ports numbers. */
export type Config = {
  site: string;
  dataDir: string;
  http: { host: string; port: number };
  /** `url` set: connect to that broker; unset: run the embedded one on host:port. */
  mqtt: MqttConfig;
  store: StoreConfig;
  telemetry: TelemetryConfig;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Chromium for PDF reports; unset: the usual Debian paths. */
  chromium?: string;
  security: SecurityConfig;
};

/** Issue 6. Certificate and key paths are absolute and read at start. */
export type SecurityConfig = {
  sessionHours: number;
  loginMaxFailures: number;
  loginLockMinutes: number;
  httpTls?: { cert: string; key: string };
  mqttTls?: { cert: string; key: string };
  mqttAllowAnonymous: boolean;
  mqttMaxPacketBytes: number;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  /** Origins allowed to call the API from a browser; empty: CORS off. */
  corsOrigins: string[];
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
      clientId: c.HAZWATCH_MQTT_CLIENT_ID,
      ...(c.HAZWATCH_MQTT_USERNAME !== undefined ? { username: c.HAZWATCH_MQTT_USERNAME } : {}),
      ...(c.HAZWATCH_MQTT_PASSWORD !== undefined ? { password: c.HAZWATCH_MQTT_PASSWORD } : {}),
      ...(c.HAZWATCH_MQTT_SHARE_GROUP !== undefined ? { shareGroup: c.HAZWATCH_MQTT_SHARE_GROUP } : {}),
      ...(c.HAZWATCH_MQTT_CA !== undefined || c.HAZWATCH_MQTT_CERT !== undefined || c.HAZWATCH_MQTT_TLS_INSECURE
        ? {
            tls: {
              ...(c.HAZWATCH_MQTT_CA !== undefined ? { ca: resolve(cwd, c.HAZWATCH_MQTT_CA) } : {}),
              ...(c.HAZWATCH_MQTT_CERT !== undefined ? { cert: resolve(cwd, c.HAZWATCH_MQTT_CERT) } : {}),
              ...(c.HAZWATCH_MQTT_KEY !== undefined ? { key: resolve(cwd, c.HAZWATCH_MQTT_KEY) } : {}),
              rejectUnauthorized: !c.HAZWATCH_MQTT_TLS_INSECURE,
            },
          }
        : {}),
    },
    store,
    telemetry: {
      retentionDays: c.HAZWATCH_RETENTION_DAYS,
      dedupeDays: c.HAZWATCH_DEDUPE_DAYS,
      deadLettersMax: c.HAZWATCH_DEAD_LETTERS_MAX,
      spoolMaxBatches: c.HAZWATCH_SPOOL_MAX_BATCHES,
      spoolAlarmPercent: c.HAZWATCH_SPOOL_ALARM_PERCENT,
      retryMinMs: c.HAZWATCH_INFLUX_RETRY_MIN_MS,
      retryMaxMs: c.HAZWATCH_INFLUX_RETRY_MAX_MS,
      timeoutMs: c.HAZWATCH_INFLUX_TIMEOUT_MS,
    },
    logLevel: c.HAZWATCH_LOG_LEVEL,
    ...(c.HAZWATCH_CHROMIUM !== undefined ? { chromium: resolve(cwd, c.HAZWATCH_CHROMIUM) } : {}),
    security: {
      sessionHours: c.HAZWATCH_SESSION_HOURS,
      loginMaxFailures: c.HAZWATCH_LOGIN_MAX_FAILURES,
      loginLockMinutes: c.HAZWATCH_LOGIN_LOCK_MINUTES,
      ...(c.HAZWATCH_HTTP_TLS_CERT !== undefined ? { httpTls: { cert: resolve(cwd, c.HAZWATCH_HTTP_TLS_CERT), key: resolve(cwd, c.HAZWATCH_HTTP_TLS_KEY!) } } : {}),
      ...(c.HAZWATCH_MQTT_TLS_CERT !== undefined ? { mqttTls: { cert: resolve(cwd, c.HAZWATCH_MQTT_TLS_CERT), key: resolve(cwd, c.HAZWATCH_MQTT_TLS_KEY!) } } : {}),
      mqttAllowAnonymous: c.HAZWATCH_MQTT_ALLOW_ANONYMOUS,
      mqttMaxPacketBytes: c.HAZWATCH_MQTT_MAX_PACKET_BYTES,
      bodyLimitBytes: c.HAZWATCH_HTTP_BODY_LIMIT_BYTES,
      rateLimitPerMinute: c.HAZWATCH_RATE_LIMIT_PER_MINUTE,
      corsOrigins: c.HAZWATCH_CORS_ORIGINS ?? [],
    },
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
