// The control room end to end: the real server (embedded broker, ingest, rule engine, HTTP API,
// socket.io) serving a freshly built dashboard to headless Chromium, fed by an MQTT client as a
// gateway would. Screenshots go to a temp folder; with HAZWATCH_SCREENSHOTS=1 they refresh test/screenshots,
// the pictures the README shows.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topics, type TelemetryBatchInput } from '@hazwatch/protocols';
import { resolveConfig, startServer, type RunningServer } from '@hazwatch/server';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const dashboardRoot = join(here, '..');
const committedShots = join(here, 'screenshots');
const site = join(here, 'fixtures', 'site.yaml');

let tmp: string;
const shotDir = () => (process.env.HAZWATCH_SCREENSHOTS ? committedShots : join(tmp, 'screenshots'));
let server: RunningServer | undefined;
let client: MqttClient | undefined;
let browser: Browser | undefined;
let page: Page;
const seq: Record<string, number> = { 'gw-1': 0, 'gw-2': 0 };

const tid = (id: string) => `[data-testid="${id}"]`;

async function publish(gatewayId: string, readings: TelemetryBatchInput['readings']): Promise<void> {
  const batch: TelemetryBatchInput = { v: 1, gatewayId, seq: ++seq[gatewayId]!, sentAt: Date.now(), readings };
  await client!.publishAsync(topics.telemetry('ent-1', gatewayId), JSON.stringify(batch), { qos: 1 });
}

function emulsify(total: number, materialKg: number) {
  const ts = Date.now();
  const persons = Array.from({ length: total }, (_, i) => ({ id: `E10${23 + i}`, since: ts - (42 - i * 11) * 60_000 }));
  return { workshopId: 'ws-emulsify', ts, headcount: { total, byLine: { 'line-1': total }, persons }, materialKg };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hazwatch-dashboard-'));
  await mkdir(shotDir(), { recursive: true });
  // Built into the temp dir: the test checks this tree's sources, whatever dashboard/dist holds.
  await build({ root: dashboardRoot, configFile: join(dashboardRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir: join(tmp, 'dist') } });
  const config = resolveConfig({
    env: {
      HAZWATCH_SITE: site,
      HAZWATCH_DATA_DIR: join(tmp, 'data'),
      HAZWATCH_HTTP_HOST: '127.0.0.1',
      HAZWATCH_HTTP_PORT: '0',
      HAZWATCH_MQTT_HOST: '127.0.0.1',
      HAZWATCH_MQTT_PORT: '0',
      HAZWATCH_LOG_LEVEL: 'silent',
    },
  });
  server = await startServer(config, { dashboardDir: join(tmp, 'dist') });
  client = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, { clientId: 'dashboard-test-gw', reconnectPeriod: 0 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // The wall display's size; the layout also serves laptops (checked by eye in the screenshots).
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  page.on('pageerror', (err) => console.error('page error:', err));
});

afterAll(async () => {
  await client?.endAsync();
  await browser?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('control room', () => {
  it('loads, connects and shows every workshop as unverifiable until data arrives', async () => {
    await page.goto(server!.httpUrl);
    await page.waitForSelector(tid('tile-ws-emulsify'));
    // Synced and live: the stale banner goes away.
    await page.waitForSelector(tid('stale-banner'), { state: 'detached', timeout: 5000 });
    expect(await page.textContent('h1')).toContain('民爆');
    for (const ws of ['ws-emulsify', 'ws-expand', 'ws-transfer']) {
      expect(await page.getAttribute(tid(`tile-${ws}`), 'data-status')).toBe('unverifiable');
    }
    // The shared transfer platform appears once, in the shared group.
    expect(await page.locator(tid('tile-ws-transfer')).count()).toBe(1);
    expect(await page.locator(`${tid('group-shared')} ${tid('tile-ws-transfer')}`).count()).toBe(1);
    expect(await page.isVisible(tid('sound-indicator'))).toBe(true);
  });

  it('shows a published reading on its tile within 2 s', async () => {
    const published = Date.now();
    await publish('gw-1', [
      emulsify(1, 180.5),
      { workshopId: 'ws-transfer', ts: Date.now(), headcount: { total: 1, byLine: { 'line-1': 1, 'line-2': 0 } }, materialKg: 40 },
    ]);
    await publish('gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 2, byLine: { 'line-2': 2 } }, materialKg: 120 }]);
    await page.waitForSelector(`${tid('tile-ws-emulsify')}[data-status="normal"]`, { timeout: 2000 });
    expect(Date.now() - published).toBeLessThan(2000);
    expect(await page.textContent(tid('headcount-ws-emulsify'))).toMatch(/^1\s*\/\s*2/);
    expect(await page.textContent(tid('quantity-ws-emulsify'))).toContain('180.5');
    expect(await page.textContent(tid('tile-ws-emulsify'))).toContain('E1023');
    await page.waitForSelector(`${tid('tile-ws-expand')}[data-status="normal"]`, { timeout: 2000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="line-total-line-1"]')?.textContent?.includes('2'), null, { timeout: 2000 });
    await page.screenshot({ path: join(shotDir(), 'control-room-normal.png') });
  });

  it('turns the tile red on over-staffing, lists the alarm and sounds it', async () => {
    const indicator = page.locator(tid('sound-indicator'));
    // Browsers block audio until a gesture: one click turns sound on.
    if ((await indicator.getAttribute('data-state')) === 'blocked') await indicator.click();
    await page.waitForSelector(`${tid('sound-indicator')}[data-state="on"]`, { timeout: 2000 });
    const beepsBefore = Number(await indicator.getAttribute('data-beeps'));

    // Over-staffing in one workshop, exactly full in another, a door counter gone blind in the third,
    // and the explosive above its pre-alarm (预警) level: every colour of the wall at once.
    await publish('gw-1', [
      emulsify(3, 470),
      { workshopId: 'ws-transfer', ts: Date.now(), headcount: null, materialKg: 40 },
    ]);
    await publish('gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 3, byLine: { 'line-2': 3 } }, materialKg: 120 }]);
    await page.waitForSelector(`${tid('tile-ws-emulsify')}[data-status="over"]`, { timeout: 2000 });
    await page.waitForSelector(`${tid('tile-ws-expand')}[data-status="full"]`, { timeout: 2000 });
    await page.waitForSelector(`${tid('tile-ws-transfer')}[data-status="unverifiable"]`, { timeout: 2000 });

    // raiseAfterSeconds is 1 in the fixture: the alarms follow a second later, from the rule engine.
    const row = page.locator('[data-testid^="alarm-"][data-type="over-staffing"]').first();
    await row.waitFor({ timeout: 5000 });
    const text = await row.textContent();
    expect(text).toContain('超员');
    expect(text).toContain('乳化工房');
    expect(text).toMatch(/3\s*\/\s*2/);
    await page.locator('[data-testid^="alarm-"][data-type="over-quantity"]').waitFor({ timeout: 5000 });
    await page.locator('[data-testid^="alarm-"][data-type="sensor-fault"]').waitFor({ timeout: 5000 });
    // Most severe first: the 预警 (warning) sorts after every 报警.
    const levels = await page.locator('[data-testid^="alarm-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level')));
    expect(levels.at(-1)).toBe('warning');
    expect(levels.filter((l) => l === 'warning')).toHaveLength(1);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="sound-indicator"]')?.getAttribute('data-beeps')) > n, beepsBefore, { timeout: 2000 });
    await page.screenshot({ path: join(shotDir(), 'control-room-alarm.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: join(shotDir(), 'control-room-laptop.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
  });

  it('switches to English in one click and remembers it', async () => {
    await page.click(tid('lang-toggle'));
    expect(await page.textContent('h1')).toBe('Hazard class 1.1 workshop monitoring');
    expect(await page.textContent(tid('status-ws-emulsify'))).toBe('OVER');
    expect(await page.locator('[data-testid^="alarm-"][data-type="over-staffing"]').first().textContent()).toContain('Over-staffing');
    await page.reload();
    await page.waitForSelector(`${tid('tile-ws-emulsify')}[data-status="over"]`);
    expect(await page.textContent('h1')).toBe('Hazard class 1.1 workshop monitoring');
    await page.screenshot({ path: join(shotDir(), 'control-room-en.png') });
    await page.click(tid('lang-toggle'));
    expect(await page.textContent('h1')).toContain('民爆');
  });

  it('shows the whole screen as stale when the server goes away', async () => {
    await server!.close();
    const banner = await page.waitForSelector(tid('stale-banner'), { timeout: 5000 });
    expect(await banner.getAttribute('data-reason')).toBe('disconnected');
    expect(await page.getAttribute('.app', 'data-stale')).toBe('true');
    expect(await page.getAttribute(tid('connection'), 'data-state')).toBe('disconnected');
    await page.screenshot({ path: join(shotDir(), 'control-room-stale.png') });
  });
});
