// The browser tests' real stack: a freshly built dashboard served by the real server (embedded broker
// with gateway credentials, ingest, rule engine, HTTP API with authentication, socket.io), users of
// every role, one MQTT connection per gateway as the edge agents make, and headless Chromium.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topics, type GatewayStatus, type TelemetryBatchInput } from '@hazwatch/protocols';
import { resolveConfig, startServer, type RunningServer } from '@hazwatch/server';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const dashboardRoot = join(here, '..');
export const committedShots = join(here, 'screenshots');
export const SITE = join(here, 'fixtures', 'site.yaml');
export const PASSWORD = 'correct-horse-battery';

export const USERS = {
  admin: { role: 'admin', enterpriseId: null, region: null, displayName: '系统管理员' },
  operator: { role: 'operator', enterpriseId: 'ent-1', region: null, displayName: '值班员 王工' },
  'ent-admin': { role: 'enterprise-admin', enterpriseId: 'ent-1', region: null, displayName: '安全科 李科长' },
  regulator: { role: 'regulator', enterpriseId: null, region: '370306', displayName: '区工信局 赵处' },
} as const;
export type Username = keyof typeof USERS;

const GATEWAYS = [
  ['ent-1', 'gw-1'],
  ['ent-1', 'gw-2'],
  ['ent-2', 'gw-9'],
] as const;

export const tid = (id: string) => `[data-testid="${id}"]`;

export type Harness = {
  server: RunningServer;
  browser: Browser;
  shotDir: string;
  /** One telemetry batch under the gateway's next seq; `sentAt` (default now) as a skewed gateway clock would set it. */
  publish(enterpriseId: string, gatewayId: string, readings: TelemetryBatchInput['readings'], opts?: { sentAt?: number }): Promise<void>;
  /** A retained status, as the edge agent publishes on connecting (SPEC 2). */
  /** A status of the gateway, its `ts` now unless given (a gateway clock that is off). */
  publishStatus(enterpriseId: string, gatewayId: string, status: Omit<GatewayStatus, 'v' | 'ts'> & { ts?: number }): Promise<void>;
  newPage(): Promise<Page>;
  login(page: Page, username: Username, password?: string): Promise<void>;
  /** Logs the page out if someone is logged in, then in as `username`. */
  switchTo(page: Page, username: Username): Promise<void>;
  /** A login made directly against the API: its status, and the session cookie to send on. */
  apiLogin(username: string, password: string): Promise<{ status: number; cookie: string }>;
  /** `GET /api/v1/auth/me` with these headers: its status and body. */
  me(headers: Record<string, string>): Promise<{ status: number; body: { user?: { role?: string; enterpriseId?: string | null; region?: string | null } } }>;
  close(): Promise<void>;
};

export async function startHarness(name: string): Promise<Harness> {
  const tmp = await mkdtemp(join(tmpdir(), `hazwatch-${name}-`));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rm(tmp, { recursive: true, force: true })];
  const close = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        console.error('cleanup failed:', err);
      }
    }
  };
  try {
    const shotDir = process.env.HAZWATCH_SCREENSHOTS ? committedShots : join(tmp, 'screenshots');
    await mkdir(shotDir, { recursive: true });
    // Built into the temp dir: the test checks this tree's sources, whatever dashboard/dist holds.
    await build({ root: dashboardRoot, configFile: join(dashboardRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir: join(tmp, 'dist') } });
    const config = resolveConfig({
      env: {
        HAZWATCH_SITE: SITE,
        HAZWATCH_DATA_DIR: join(tmp, 'data'),
        HAZWATCH_HTTP_HOST: '127.0.0.1',
        HAZWATCH_HTTP_PORT: '0',
        HAZWATCH_MQTT_HOST: '127.0.0.1',
        HAZWATCH_MQTT_PORT: '0',
        HAZWATCH_LOG_LEVEL: 'silent',
      },
    });
    // Cheap password hashing: the test checks the flow, not scrypt's cost.
    const server = await startServer(config, { dashboardDir: join(tmp, 'dist'), scrypt: { N: 1024, r: 8, p: 1 } });
    cleanups.push(() => server.close());
    for (const [username, u] of Object.entries(USERS)) await server.auth.createUser({ username, password: PASSWORD, ...u }, 'test');

    const clients = new Map<string, MqttClient>();
    const seq = new Map<string, number>();
    for (const [e, g] of GATEWAYS) {
      const cred = server.auth.gatewayCredential(e, g, 'test');
      const c = await mqtt.connectAsync(server.mqttUrl, { clientId: `dash-test-${e}-${g}`, username: cred.username, password: cred.password, reconnectPeriod: 0 });
      cleanups.push(() => c.endAsync());
      clients.set(`${e}/${g}`, c);
    }
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    cleanups.push(() => browser.close());

    const login: Harness['login'] = async (page, username, password = PASSWORD) => {
      await page.goto(server.httpUrl);
      await page.waitForSelector(tid('login-form'));
      await page.fill('input[name="username"]', username);
      await page.fill('input[name="password"]', password);
      await page.click(tid('login-submit'));
      await page.waitForSelector(`${tid('user')}[data-role="${USERS[username].role}"]`, { timeout: 5000 });
    };
    return {
      server,
      browser,
      shotDir,
      async publish(enterpriseId, gatewayId, readings, opts = {}) {
        const key = `${enterpriseId}/${gatewayId}`;
        const n = (seq.get(key) ?? 0) + 1;
        seq.set(key, n);
        const batch: TelemetryBatchInput = { v: 1, gatewayId, seq: n, sentAt: opts.sentAt ?? Date.now(), readings };
        await clients.get(key)!.publishAsync(topics.telemetry(enterpriseId, gatewayId), JSON.stringify(batch), { qos: 1 });
      },
      async publishStatus(enterpriseId, gatewayId, status) {
        const payload: GatewayStatus = { v: 1, ts: Date.now(), ...status };
        await clients.get(`${enterpriseId}/${gatewayId}`)!.publishAsync(topics.status(enterpriseId, gatewayId), JSON.stringify(payload), { qos: 1, retain: true });
      },
      async newPage() {
        // The wall display's size; the layout also serves laptops (checked by eye in the screenshots).
        const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
        page.on('pageerror', (err) => console.error('page error:', err));
        return page;
      },
      async switchTo(page, username) {
        if ((await page.locator(tid('logout')).count()) > 0) {
          await page.click(tid('logout'));
          await page.waitForSelector(tid('login-form'));
        }
        await login(page, username);
      },
      async apiLogin(username, password) {
        const r = await fetch(`${server.httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
        await r.body?.cancel();
        return { status: r.status, cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
      },
      async me(headers) {
        const r = await fetch(`${server.httpUrl}/api/v1/auth/me`, { headers });
        return { status: r.status, body: (await r.json()) as { user?: { role?: string; enterpriseId?: string | null; region?: string | null } } };
      },
      login,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export function emulsify(total: number, materialKg: number) {
  const ts = Date.now();
  const persons = Array.from({ length: total }, (_, i) => ({ id: `E10${23 + i}`, since: ts - (42 - i * 11) * 60_000 }));
  return { workshopId: 'ws-emulsify', ts, headcount: { total, byLine: { 'line-1': total }, persons }, materialKg };
}
