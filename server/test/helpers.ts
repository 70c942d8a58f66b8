import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { startServer, type RunningServer, type StartOptions } from '../src/app.ts';
import { resolveConfig } from '../src/config.ts';
import { AuthService } from '../src/auth/service.ts';
import { AuthStore } from '../src/auth/store.ts';

/** A logger at `level` whose records (parsed) collect in `logs`, for tests that assert on what was logged. */
export function capturedLogger(level = 'warn'): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level }, {
    write(line: string) {
      for (const l of line.split('\n')) if (l) logs.push(JSON.parse(l) as Record<string, unknown>);
    },
  });
  return { logger, logs };
}

export const FIXTURE_SITE = fileURLToPath(new URL('./fixtures/site.yaml', import.meta.url));

export function tempDir(prefix = 'hazwatch-server-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every gateway of a test server gets this MQTT secret (user name `{enterpriseId}/{gatewayId}`). */
export const TEST_GATEWAY_SECRET = 'test-gateway-secret';
/** Cheap password hashing for tests (production: N = 2^15). */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

export type TestServer = RunningServer & {
  /** An admin API token. `app.inject` sends it unless the request has its own authorization or cookie header. */
  token: string;
  /** A session cookie of a user with this role and scope, created on first use (password `password-${username}`). */
  loginAs(username: string, role?: 'operator' | 'enterprise-admin' | 'regulator' | 'admin', scope?: { enterpriseId?: string; region?: string }): Promise<string>;
};

/**
 * Makes a started server usable by tests with auth on (issue 6): an admin API token that `app.inject`
 * sends by default (`headers: { authorization: '' }` sends none), users on demand, and the same
 * secret for every gateway of the site.
 */
export function authenticatedTestServer(server: RunningServer): TestServer {
  const { token } = server.auth.issueToken({ name: 'test-admin', role: 'admin', enterpriseId: null, region: null, expiresAt: null }, 'test');
  const site = server.configs.latest()?.site;
  for (const e of site?.enterprises ?? []) for (const g of e.gateways) server.auth.gatewayCredential(e.id, g.id, 'test', TEST_GATEWAY_SECRET);
  const inject = server.app.inject.bind(server.app);
  const withToken = (opts: unknown) => {
    const o: Record<string, unknown> = typeof opts === 'string' ? { url: opts } : { ...(opts as Record<string, unknown>) };
    const headers = { ...((o.headers as Record<string, string> | undefined) ?? {}) };
    if (headers.authorization === '') delete headers.authorization;
    else if (headers.authorization === undefined && headers.cookie === undefined) headers.authorization = `Bearer ${token}`;
    return { ...o, headers };
  };
  (server.app as { inject: unknown }).inject = ((opts: unknown, cb?: unknown) => (inject as (o: unknown, c?: unknown) => unknown)(withToken(opts), cb)) as unknown;
  const sessions = new Map<string, string>();
  const loginAs: TestServer['loginAs'] = async (username, role = 'operator', scope = {}) => {
    const known = sessions.get(username);
    if (known) return known;
    const password = `password-${username}`;
    if (!server.auth.store.userByName(username)) {
      const enterpriseId = role === 'operator' || role === 'enterprise-admin' ? (scope.enterpriseId ?? 'ent-1') : null;
      const region = role === 'regulator' ? (scope.region ?? '370306') : null;
      await server.auth.createUser({ username, role, enterpriseId, region, password }, 'test');
    }
    const res = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
    if (res.statusCode !== 200) throw new Error(`login as ${username}: ${res.statusCode} ${res.body}`);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    sessions.set(username, cookie);
    return cookie;
  };
  return Object.assign(server, { token, loginAs });
}

/** A server's environment on loopback with free ports (HTTP and the embedded broker), this site and data dir. */
export function loopbackEnv(site: string, dataDir: string, logLevel = 'silent'): Record<string, string> {
  return {
    HAZWATCH_SITE: site,
    HAZWATCH_DATA_DIR: dataDir,
    HAZWATCH_HTTP_HOST: '127.0.0.1',
    HAZWATCH_HTTP_PORT: '0',
    HAZWATCH_MQTT_HOST: '127.0.0.1',
    HAZWATCH_MQTT_PORT: '0',
    HAZWATCH_LOG_LEVEL: logLevel,
  };
}

/** The real server on loopback with free ports, a fixture site and its own data dir. */
export async function startTestServer(dataDir: string, opts: { site?: string; dashboardDir?: string; env?: Record<string, string>; start?: Partial<StartOptions> } = {}): Promise<TestServer> {
  const config = resolveConfig({ env: { ...loopbackEnv(opts.site ?? FIXTURE_SITE, dataDir), ...opts.env } });
  const server = await startServer(config, {
    logger: pino({ level: process.env.HAZWATCH_TEST_LOG ?? 'silent' }),
    dashboardDir: opts.dashboardDir ?? join(dataDir, 'no-dashboard'),
    scrypt: TEST_SCRYPT,
    ...opts.start,
  });
  return authenticatedTestServer(server);
}

/** MQTT options of a gateway of a test server: its user name and the shared test secret. */
export function gatewayLogin(gatewayId: string, enterpriseId = 'ent-1'): Pick<IClientOptions, 'username' | 'password'> {
  return { username: `${enterpriseId}/${gatewayId}`, password: TEST_GATEWAY_SECRET };
}

/** Connects as gateway `clientId` of ent-1 (the fixture's enterprise), with its credentials. */
export async function connectGateway(url: string, clientId: string, opts: IClientOptions & { enterpriseId?: string; gatewayId?: string } = {}): Promise<MqttClient> {
  const { enterpriseId, gatewayId, ...rest } = opts;
  return mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, ...gatewayLogin(gatewayId ?? clientId, enterpriseId), ...rest });
}

export { waitFor } from './wait-for.ts';

export async function getJson<T = unknown>(server: RunningServer, url: string): Promise<T> {
  const res = await server.app.inject({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

export function batch(seq: number, readings: unknown[], gatewayId = 'gw-1') {
  return { v: 1, gatewayId, seq, sentAt: Date.now(), readings };
}

/**
 * Before a `hazwatch serve` process starts on a data dir: the test secret for these gateways, and an
 * admin API token (returned) for its HTTP API.
 */
export function seedGatewayCredentials(dataDir: string, gateways: [enterpriseId: string, gatewayId: string][]): { token: string } {
  const store = new AuthStore({ dataDir });
  try {
    const auth = new AuthService(store, { sessionHours: 1, loginMaxFailures: 5, loginLockMinutes: 1 });
    for (const [e, g] of gateways) auth.gatewayCredential(e, g, 'test', TEST_GATEWAY_SECRET);
    return { token: auth.issueToken({ name: 'test-admin', role: 'admin', enterpriseId: null, region: null, expiresAt: null }, 'test').token };
  } finally {
    store.close();
  }
}
