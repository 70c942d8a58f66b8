// The control room end to end, signed in as an operator of ent-1: every "Done when" item of issue 7
// against the real stack (test/harness.ts). Screenshots go to a temp folder; with
// HAZWATCH_SCREENSHOTS=1 they refresh test/screenshots, the pictures the README shows.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulsify, startHarness, tid, type Harness } from './harness.ts';

let h: Harness;
let page: Page;

beforeAll(async () => {
  h = await startHarness('control-room');
  page = await h.newPage();
});

afterAll(async () => {
  await h?.close();
});

/** A fetch from inside the page: the browser's own session cookie, as the dashboard sends it. */
const fetchStatus = (url: string) =>
  page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, body: await r.text() };
  }, url);

describe('control room', () => {
  it('asks for a login and refuses a wrong password', async () => {
    await page.goto(h.server.httpUrl);
    await page.waitForSelector(tid('login-form'));
    expect(await page.isVisible(tid('plant'))).toBe(false);
    await page.fill('input[name="username"]', 'operator');
    await page.fill('input[name="password"]', 'not-the-password');
    await page.click(tid('login-submit'));
    expect(await (await page.waitForSelector(tid('login-error'))).textContent()).toContain('用户名或密码错误');
    await page.screenshot({ path: join(h.shotDir, 'login.png') });
  });

  it('loads, connects and shows every workshop of the enterprise as unverifiable until data arrives', async () => {
    await h.login(page, 'operator');
    await page.waitForSelector(tid('tile-ws-emulsify'));
    // Synced and live: the stale banner goes away.
    await page.waitForSelector(tid('stale-banner'), { state: 'detached', timeout: 5000 });
    expect(await page.textContent('h1')).toContain('民爆');
    for (const ws of ['ws-emulsify', 'ws-expand', 'ws-transfer']) {
      expect(await page.getAttribute(tid(`tile-${ws}`), 'data-status')).toBe('unverifiable');
    }
    // The shared transfer platform appears once, in the shared group; the other tenant not at all.
    expect(await page.locator(tid('tile-ws-transfer')).count()).toBe(1);
    expect(await page.locator(`${tid('group-shared')} ${tid('tile-ws-transfer')}`).count()).toBe(1);
    expect(await page.locator(tid('tile-ws-other')).count()).toBe(0);
    expect(await page.isVisible(tid('sound-indicator'))).toBe(true);
    // An operator's navigation: the control room and the enterprise, no regulator view.
    expect(await page.locator(tid('nav-regulator')).count()).toBe(0);
  });

  it('shows a published reading on its tile within 2 s', async () => {
    const published = Date.now();
    await h.publish('ent-1', 'gw-1', [
      emulsify(1, 180.5),
      { workshopId: 'ws-transfer', ts: Date.now(), headcount: { total: 1, byLine: { 'line-1': 1, 'line-2': 0 } }, materialKg: 40 },
    ]);
    await h.publish('ent-1', 'gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 2, byLine: { 'line-2': 2 } }, materialKg: 120 }]);
    await page.waitForSelector(`${tid('tile-ws-emulsify')}[data-status="normal"]`, { timeout: 2000 });
    expect(Date.now() - published).toBeLessThan(2000);
    expect(await page.textContent(tid('headcount-ws-emulsify'))).toMatch(/^1\s*\/\s*2/);
    expect(await page.textContent(tid('quantity-ws-emulsify'))).toContain('180.5');
    expect(await page.textContent(tid('tile-ws-emulsify'))).toContain('E1023');
    await page.waitForSelector(`${tid('tile-ws-expand')}[data-status="normal"]`, { timeout: 2000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="line-total-line-1"]')?.textContent?.includes('2'), null, { timeout: 2000 });
    await page.screenshot({ path: join(h.shotDir, 'control-room-normal.png') });
  });

  it('turns the tile red on over-staffing, lists the alarm and sounds it', async () => {
    const indicator = page.locator(tid('sound-indicator'));
    // Browsers block audio until a gesture: one click turns sound on.
    if ((await indicator.getAttribute('data-state')) === 'blocked') await indicator.click();
    await page.waitForSelector(`${tid('sound-indicator')}[data-state="on"]`, { timeout: 2000 });
    const beepsBefore = Number(await indicator.getAttribute('data-beeps'));

    // Over-staffing in one workshop, exactly full in another, a door counter gone blind in the third,
    // and the explosive above its pre-alarm (预警) level: every colour of the wall at once.
    await h.publish('ent-1', 'gw-1', [emulsify(3, 470), { workshopId: 'ws-transfer', ts: Date.now(), headcount: null, materialKg: 40 }]);
    await h.publish('ent-1', 'gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 3, byLine: { 'line-2': 3 } }, materialKg: 120 }]);
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
    // A 预警 names its limit as the warning level (450), not as if 470 were over 定量 (500).
    expect(await page.locator('[data-testid^="alarm-"][data-type="over-quantity"]').first().textContent()).toMatch(/470\s*\/\s*预警 450/);
    await page.locator('[data-testid^="alarm-"][data-type="sensor-fault"]').waitFor({ timeout: 5000 });
    // Most severe first: the 预警 (warning) sorts after every 报警.
    const levels = await page.locator('tr[data-testid^="alarm-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level')));
    expect(levels.at(-1)).toBe('warning');
    expect(levels.filter((l) => l === 'warning')).toHaveLength(1);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="sound-indicator"]')?.getAttribute('data-beeps')) > n, beepsBefore, { timeout: 2000 });
    expect(await indicator.getAttribute('data-state')).toBe('on');
    await page.screenshot({ path: join(h.shotDir, 'control-room-alarm.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: join(h.shotDir, 'control-room-laptop.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
  });

  it('acknowledges an alarm with a comment, recorded under the signed-in operator', async () => {
    const row = page.locator('tr[data-testid^="alarm-"][data-type="over-staffing"]').first();
    const id = (await row.getAttribute('data-testid'))!.slice('alarm-'.length);
    await page.click(tid(`ack-${id}`));
    await page.fill(tid(`ack-comment-${id}`), '已通知班长撤出一人');
    await page.click(tid(`ack-send-${id}`));
    // The acknowledgement comes back over socket.io like every other change.
    await page.waitForSelector(`tr${tid(`alarm-${id}`)}[data-acked="true"]`, { timeout: 3000 });
    expect(await page.textContent(tid(`acked-${id}`))).toContain('operator');
    const { status, body } = await fetchStatus(`/api/v1/alarms/${id}`);
    expect(status).toBe(200);
    const detail = JSON.parse(body) as { alarm: { acknowledgedBy: string; comments?: { text: string }[] }; events: { kind: string; by: string | null }[] };
    expect(detail.alarm.acknowledgedBy).toBe('operator');
    expect(detail.events.some((e) => e.kind === 'acknowledged' && e.by === 'operator')).toBe(true);
    expect(JSON.stringify(detail)).toContain('已通知班长撤出一人');
  });

  it('holds an alarm that ended before anyone acknowledged it, until someone does', async () => {
    // The explosive back under its 预警 level (the 超员, acknowledged, goes on): the 超量 warning ends.
    const quantity = page.locator('tr[data-testid^="alarm-"][data-type="over-quantity"]').first();
    const id = (await quantity.getAttribute('data-testid'))!.slice('alarm-'.length);
    expect(await quantity.getAttribute('data-acked')).toBe('false');
    await h.publish('ent-1', 'gw-1', [emulsify(3, 100)]);
    await page.waitForSelector(`tr${tid(`alarm-${id}`)}[data-ended="true"]`, { timeout: 5000 });
    expect(await page.textContent(tid(`alarm-${id}`))).toContain('已恢复');
    expect(await page.textContent(tid('alarms-ended-count'))).toContain('1');
    // Still there on a page opened now (the snapshot holds it too).
    await page.reload();
    await page.waitForSelector(`tr${tid(`alarm-${id}`)}[data-ended="true"]`, { timeout: 5000 });
    // Acknowledged: gone from the control room; the acknowledged 超员, still going on, stays.
    await page.click(tid(`ack-${id}`));
    await page.click(tid(`ack-send-${id}`));
    await page.waitForSelector(tid(`alarm-${id}`), { state: 'detached', timeout: 3000 });
    expect(await page.locator('tr[data-testid^="alarm-"][data-type="over-staffing"][data-acked="true"]').count()).toBe(1);
  });

  it('switches to English in one click and remembers it', async () => {
    await page.click(tid('lang-toggle'));
    expect(await page.textContent('h1')).toBe('Hazard class 1.1 workshop monitoring');
    expect(await page.textContent(tid('status-ws-emulsify'))).toBe('OVER');
    expect(await page.locator('[data-testid^="alarm-"][data-type="over-staffing"]').first().textContent()).toContain('Over-staffing');
    await page.reload();
    await page.waitForSelector(`${tid('tile-ws-emulsify')}[data-status="over"]`);
    expect(await page.textContent('h1')).toBe('Hazard class 1.1 workshop monitoring');
    await page.screenshot({ path: join(h.shotDir, 'control-room-en.png') });
    await page.click(tid('lang-toggle'));
    expect(await page.textContent('h1')).toContain('民爆');
  });

  it('keeps an operator out of another enterprise: UI, API and live feed', async () => {
    // The other tenant's plant is busy, and its gateway publishes now…
    await h.publish('ent-2', 'gw-9', [{ workshopId: 'ws-other', ts: Date.now(), headcount: { total: 8, byLine: { 'line-9': 8 } }, materialKg: 5 }]);
    // …the admin sees it (proof the reading arrived), the operator's socket never gets it.
    await expect.poll(async () => (await h.server.alarms.list({ state: 'active', enterpriseIds: ['ent-2'], limit: 10 })).length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(await page.locator(tid('tile-ws-other')).count()).toBe(0);
    expect(await page.locator('tr[data-testid^="alarm-"]').evaluateAll((rows) => rows.map((r) => r.textContent).join('|'))).not.toContain('ws-other');

    for (const path of ['/enterprise/ent-2', '/workshops/ent-2/ws-other']) {
      await page.goto(`${h.server.httpUrl}/#${path}`);
      await page.waitForSelector(tid('forbidden'));
    }
    await page.screenshot({ path: join(h.shotDir, 'forbidden.png') });

    // The API refuses or filters whatever the page might be made to ask for.
    const refused = (s: number) => s === 403 || s === 404;
    expect(refused((await fetchStatus('/api/v1/telemetry/workshops/ws-other?enterpriseId=ent-2')).status)).toBe(true);
    expect(refused((await fetchStatus('/api/v1/reports/enterprises/ent-2/2026')).status)).toBe(true);
    const alarms = await fetchStatus('/api/v1/alarms?enterpriseId=ent-2');
    expect(alarms.status === 200 ? JSON.parse(alarms.body) : []).toEqual([]);
    const workshops = JSON.parse((await fetchStatus('/api/v1/workshops')).body) as { enterpriseId: string }[];
    expect(new Set(workshops.map((w) => w.enterpriseId))).toEqual(new Set(['ent-1']));
    const stats = await fetchStatus('/api/v1/alarms/stats?enterpriseId=ent-2');
    if (stats.status === 200) expect((JSON.parse(stats.body) as { total: number }).total).toBe(0);
    else expect(refused(stats.status)).toBe(true);

    // Its own enterprise is open to it.
    await page.goto(`${h.server.httpUrl}/#/enterprise/ent-1/gateways`);
    await page.waitForSelector(`${tid('gateway-gw-1')}[data-status="online"]`);
  });

  it('shows the whole screen as stale when the server goes away', async () => {
    await page.goto(`${h.server.httpUrl}/#/`);
    await page.waitForSelector(`${tid('tile-ws-emulsify')}[data-status="over"]`);
    await page.waitForSelector(tid('stale-banner'), { state: 'detached', timeout: 5000 });
    await h.server.close();
    const banner = await page.waitForSelector(tid('stale-banner'), { timeout: 5000 });
    expect(await banner.getAttribute('data-reason')).toBe('disconnected');
    expect(await page.getAttribute('.app', 'data-stale')).toBe('true');
    expect(await page.getAttribute(tid('connection'), 'data-state')).toBe('disconnected');
    await page.screenshot({ path: join(h.shotDir, 'control-room-stale.png') });
  });
});

