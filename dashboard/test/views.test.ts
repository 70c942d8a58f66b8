// The office views end to end against the real stack (test/harness.ts): workshop detail with trend
// charts, the enterprise view (alarm handling to the closed loop, gateways, site configuration with
// upload, per-field problems, diff and history, compliance) and the regulator's view (region,
// history, statistics, exports, findings), each signed in with the role it is made for.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulsify, SITE, startHarness, tid, type Harness } from './harness.ts';

let h: Harness;
let page: Page;
let alarmId: string;

beforeAll(async () => {
  h = await startHarness('views');
  page = await h.newPage();
  // Fail at the step that is wrong, well inside the test's own timeout.
  page.setDefaultTimeout(5000);
  // A plant with history: normal readings, then over-staffing until an alarm is raised.
  await h.publish('ent-1', 'gw-1', [emulsify(1, 200)]);
  await h.publish('ent-1', 'gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 2, byLine: { 'line-2': 2 } }, materialKg: 100 }]);
  await h.publish('ent-2', 'gw-9', [{ workshopId: 'ws-other', ts: Date.now(), headcount: { total: 2, byLine: { 'line-9': 2 } }, materialKg: 5 }]);
  await h.publish('ent-1', 'gw-1', [emulsify(3, 260)]);
  const deadline = Date.now() + 5000;
  for (;;) {
    const [a] = await h.server.alarms.list({ state: 'active', enterpriseIds: ['ent-1'], types: ['over-staffing'], limit: 1 });
    if (a) {
      alarmId = a.id;
      break;
    }
    if (Date.now() > deadline) throw new Error('no over-staffing alarm within 5 s');
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await h?.close();
});

const go = (path: string) => page.goto(`${h.server.httpUrl}/#${path}`);

/** ent-1 as the fixture site names it. */
const ENT1_NAME = '某民爆器材有限公司';

describe('workshop detail', () => {
  it('draws headcount and explosive trends with their limits, live, and lists the workshop alarms', async () => {
    await h.login(page, 'operator');
    await page.click(tid('open-ws-emulsify'));
    await page.waitForSelector(tid('workshop-detail'));
    // History from the telemetry store, drawn by uPlot on a canvas, with 定员 2 and 定量 500.
    await page.waitForSelector(`${tid('trend-headcount')}[data-limit="2"] canvas`);
    await page.waitForSelector(`${tid('trend-quantity')}[data-limit="500"] canvas`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="trend-headcount"]')?.getAttribute('data-points')) > 0);
    await page.waitForSelector(`${tid('workshop-alarms')} ${tid(`history-${alarmId}`)}`);
    // A new reading extends the trend without a reload (socket.io).
    const before = Number(await page.getAttribute(tid('trend-quantity'), 'data-points'));
    await h.publish('ent-1', 'gw-1', [emulsify(3, 320)]);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="trend-quantity"]')?.getAttribute('data-points')) > n, before, { timeout: 2000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="quantity-ws-emulsify"]')?.textContent?.includes('320'));
    await page.screenshot({ path: join(h.shotDir, 'workshop-detail.png') });
  });
});

describe('enterprise view', () => {
  it('lists alarms with filters and handles one to the closed loop (assign, comment, close)', async () => {
    await page.click(tid('logout'));
    await page.waitForSelector(tid('login-form'));
    await h.login(page, 'ent-admin');
    await page.click(tid('nav-enterprise'));
    await page.waitForSelector(`${tid('history-table')} ${tid(`history-${alarmId}`)}`);
    // The enterprise's own notification totals are shown to its admin.
    expect(await page.textContent(tid('notification-stats'))).toMatch(/^通知推送：已送达 \d+ · 待发送 \d+ · 失败 \d+$/);
    // Filters: gateway-offline finds nothing here; over-staffing finds the alarm again.
    await page.selectOption(`${tid('alarm-filters')} select[name="type"]`, 'gateway-offline');
    await page.click(tid('filters-apply'));
    await page.waitForSelector(tid('history-table-empty'));
    await page.selectOption(`${tid('alarm-filters')} select[name="type"]`, 'over-staffing');
    await page.click(tid('filters-apply'));
    await page.waitForSelector(tid(`history-${alarmId}`));
    expect(await page.getAttribute(tid('export-csv'), 'href')).toContain('type=over-staffing');
    // An alarm raised while the list is open: the page says the list is behind, and fetches it again.
    await h.publish('ent-1', 'gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 4, byLine: { 'line-2': 4 } }, materialKg: 100 }]);
    await page.waitForSelector(tid('history-behind'), { timeout: 5000 });
    expect(await page.textContent(tid('history-behind'))).toContain('有 1 条新报警不在列表中');
    await page.click(tid('history-refresh'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-table"] tbody tr').length === 2);
    expect(await page.locator(tid('history-behind')).count()).toBe(0);
    await h.publish('ent-1', 'gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 2, byLine: { 'line-2': 2 } }, materialKg: 100 }]);
    await page.screenshot({ path: join(h.shotDir, 'enterprise-alarms.png') });

    await page.click(`${tid(`history-${alarmId}`)} a`);
    await page.waitForSelector(`${tid('alarm-detail')}[data-state="active"]`);
    // Close is offered only once the condition has cleared (SPEC 5).
    expect(await page.locator(tid('action-close')).count()).toBe(0);
    await page.click(tid('action-assign'));
    await page.fill(`${tid('form-assign')} input[name="assignee"]`, '班长 张三');
    await page.click(tid('action-submit'));
    await page.waitForFunction(() => document.querySelector('[data-testid="alarm-detail"]')?.textContent?.includes('班长 张三'));
    await page.click(tid('action-comment'));
    await page.fill(`${tid('form-comment')} textarea`, '已撤出一人，复核门禁记录');
    await page.click(tid('action-submit'));
    await page.waitForSelector(`${tid('comments')} >> text=已撤出一人`);

    // The plant goes back to normal; the alarm clears over socket.io and can now be closed.
    await h.publish('ent-1', 'gw-1', [emulsify(1, 200)]);
    await page.waitForSelector(tid('action-close'), { timeout: 5000 });
    await page.click(tid('action-close'));
    await page.fill(`${tid('form-close')} textarea`, '门禁增加满员联锁，已培训');
    await page.click(tid('action-submit'));
    await page.waitForSelector(`${tid('alarm-detail')}[data-state="closed"]`);
    expect(await page.textContent(tid('detail-closed'))).toContain('ent-admin');
    const kinds = await page.locator(`${tid('alarm-events')} tr`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds).toEqual(expect.arrayContaining(['raised', 'assigned', 'commented', 'cleared', 'closed']));
    await page.screenshot({ path: join(h.shotDir, 'alarm-detail.png'), fullPage: true });
  });

  it('shows the gateways: status, last contact, backlog, agent and clock offset, live', async () => {
    // gw-2 says who it is and what it has still to send, and its clock runs 5 min 12.5 s ahead of the
    // platform's (its status says so at once; see GatewayLive.clockOffsetMs).
    await h.publishStatus('ent-1', 'gw-2', { state: 'online', agent: 'hazwatch-edge/2.0.1', buffered: 3, ts: Date.now() + 312_500 });
    await h.publish('ent-1', 'gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 2, byLine: { 'line-2': 2 } }, materialKg: 100 }], { sentAt: Date.now() + 312_500 });
    await go('/enterprise/ent-1/gateways');
    await page.waitForSelector(`${tid('gateway-gw-1')}[data-status="online"]`);
    await page.waitForSelector(`${tid('gateway-gw-2')}[data-status="online"]`);
    expect(await page.locator(tid('gateway-gw-9')).count()).toBe(0);
    const heads = await page.locator(`${tid('gateways')} th`).allTextContents();
    expect(heads.slice(0, 7)).toEqual(['网关', '状态', '最近通信', '待补传', '采集程序', '时钟偏差', '负责工房']);
    const text = (id: string) => page.textContent(tid(id));
    await page.waitForFunction(() => document.querySelector('[data-testid="agent-gw-2"]')?.textContent === 'hazwatch-edge/2.0.1');
    expect(await text('buffered-gw-2')).toBe('3 批');
    // Minus: platform minus gateway is negative for a gateway clock that is ahead.
    expect(await text('clock-gw-2')).toBe('快 5分12秒');
    expect(await page.getAttribute(tid('clock-gw-2'), 'title')).toBe('网关时钟比平台快 5分12秒');
    // Age since arrival on the platform's clock: seconds, not the 5 minutes its own clock would say.
    expect(await text('last-heard-gw-2')).toMatch(/^\d{1,2}秒前$/);
    // gw-1 sent with a right clock and no status yet.
    expect(await text('clock-gw-1')).toBe('正常');
    expect(await text('agent-gw-1')).toBe('—');
    expect(await text('buffered-gw-1')).toBe('—');
    expect(await text('last-heard-gw-1')).toMatch(/^\d{1,2}秒前$/);
    await page.screenshot({ path: join(h.shotDir, 'enterprise-gateways.png') });
    // A status arriving now reaches the open page over socket.io.
    await h.publishStatus('ent-1', 'gw-1', { state: 'online', agent: 'hazwatch-edge/2.0.2', buffered: 0 });
    await page.waitForFunction(() => document.querySelector('[data-testid="agent-gw-1"]')?.textContent === 'hazwatch-edge/2.0.2');
    expect(await text('buffered-gw-1')).toBe('无');
  });

  it('shows the compliance findings of its site', async () => {
    await go('/enterprise/ent-1/audit');
    await page.waitForSelector(tid('findings'));
  });

  it('uploads a site revision: problems per field, then an accepted change with its diff and history', async () => {
    // The whole multi-tenant document is the admin's to change.
    await page.click(tid('logout'));
    await page.waitForSelector(tid('login-form'));
    await h.login(page, 'admin');
    await go('/enterprise/ent-1/config');
    await page.waitForSelector(tid('revision-1'));
    await page.waitForFunction(() => (document.querySelector('[data-testid="site-text"]') as HTMLTextAreaElement | null)?.value.includes('ws-emulsify'));

    const good = await readFile(SITE, 'utf8');
    const bad = good.replace('staffingLimit: 3\n        quantityLimitKg: 300', 'staffingLimit: -3\n        quantityLimt: 300');
    await page.fill(tid('site-text'), bad);
    await page.click(tid('site-submit'));
    await page.waitForSelector(tid('site-rejected'));
    const paths = await page.locator(tid('site-problem')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
    // Each problem at its field; the misspelt key is named on the object that has it.
    expect(paths).toEqual(expect.arrayContaining(['enterprises[0].workshops[1].staffingLimit', 'enterprises[0].workshops[1]']));
    expect(await page.textContent(tid('site-rejected'))).toContain('quantityLimt');
    expect(await page.locator(tid('revision-2')).count()).toBe(0);
    await page.screenshot({ path: join(h.shotDir, 'site-config-rejected.png'), fullPage: true });

    await page.fill(tid('site-text'), good.replace('staffingLimit: 3\n        quantityLimitKg: 300', 'staffingLimit: 4\n        quantityLimitKg: 300'));
    await page.click(tid('site-submit'));
    await page.waitForSelector(tid('site-accepted'));
    await page.waitForSelector(tid('revision-2'));
    // The diff of the new revision against the one before shows exactly the changed limit.
    await page.waitForSelector(`${tid('diff')}[data-changed="2"]`);
    expect(await page.locator('[data-op="del"]').allTextContents()).toEqual([expect.stringContaining('staffingLimit: 3')]);
    expect(await page.locator('[data-op="add"]').allTextContents()).toEqual([expect.stringContaining('staffingLimit: 4')]);
    await page.locator(tid('diff')).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(h.shotDir, 'site-config-diff.png'), fullPage: true });
    // The live tile shows the new 定员 with the gateway's next reading (they report every second).
    await go('/');
    await h.publish('ent-1', 'gw-2', [{ workshopId: 'ws-expand', ts: Date.now(), headcount: { total: 2, byLine: { 'line-2': 2 } }, materialKg: 100 }]);
    await page.waitForFunction(() => /\/\s*4/.test(document.querySelector('[data-testid="headcount-ws-expand"]')?.textContent ?? ''));
  });
});

describe('regulator view', () => {
  it('shows the enterprises of the region, their alarms, statistics, exports and findings', async () => {
    await page.click(tid('logout'));
    await page.waitForSelector(tid('login-form'));
    await h.login(page, 'regulator');
    // A regulator lands on the region.
    await page.waitForSelector(tid('regulator-view'));
    await page.waitForSelector(tid('overview-ent-1'));
    expect(await page.locator(tid('overview-ent-2')).count()).toBe(0);
    await page.screenshot({ path: join(h.shotDir, 'regulator-enterprises.png') });

    await page.click(tid('tab-alarms'));
    await page.waitForSelector(tid(`history-${alarmId}`));
    const enterprises = await page.locator(`${tid('history-table')} tbody tr td[data-enterprise]`).evaluateAll((tds) => tds.map((td) => td.getAttribute('data-enterprise')));
    expect(new Set(enterprises)).toEqual(new Set(['ent-1']));
    // Named as the site names it (a regulator reads names, not ids).
    await page.waitForFunction((name) => document.querySelector('[data-testid="history-table"] tbody td[data-enterprise]')?.textContent === name, ENT1_NAME);
    await page.screenshot({ path: join(h.shotDir, 'regulator-alarms.png') });

    await page.click(tid('tab-stats'));
    await page.waitForSelector(`${tid('chart-by-type')} [data-key="over-staffing"]`);
    expect(Number(await page.getAttribute(tid('stats-total'), 'data-total'))).toBeGreaterThan(0);
    await page.waitForSelector(`${tid('chart-by-enterprise')} [data-key="ent-1"]`);
    expect(await page.locator(`${tid('chart-by-enterprise')} [data-key="ent-2"]`).count()).toBe(0);
    await page.waitForSelector(`${tid('chart-by-month')} [data-key]`);
    // Times to acknowledge and to close: bars only where some were measured (no 0 s bars for none).
    const stats = await page.evaluate(async () => (await fetch('/api/v1/alarms/stats?region=370306')).json() as Promise<{ timeToAcknowledge: { count: number }; timeToClose: { count: number } }>);
    for (const [chart, n] of [['chart-ack', stats.timeToAcknowledge.count], ['chart-close', stats.timeToClose.count]] as const) {
      expect(Number(await page.getAttribute(tid(chart), 'data-bars'))).toBe(n > 0 ? 3 : 0);
    }
    await page.screenshot({ path: join(h.shotDir, 'regulator-stats.png') });

    await page.click(tid('tab-exports'));
    const csvHref = await page.getAttribute(tid('export-alarms-csv'), 'href');
    expect(csvHref).toContain('region=370306');
    // The export answers with the region's alarms to this session.
    const csv = await page.evaluate(async (u) => (await fetch(u!)).text(), csvHref);
    expect(csv).toContain(alarmId);
    await page.fill(tid('export-period'), String(new Date().getFullYear()));
    const reportHref = await page.getAttribute(tid('report-html-regions'), 'href');
    const report = await page.evaluate(async (u) => {
      const r = await fetch(u!);
      return { status: r.status, type: r.headers.get('content-type') };
    }, reportHref);
    expect(report).toEqual({ status: 200, type: expect.stringContaining('text/html') });
    await page.screenshot({ path: join(h.shotDir, 'regulator-exports.png') });

    await page.click(tid('tab-compliance'));
    await page.waitForSelector(tid('findings'));
    // Each finding's enterprise by its name.
    const named = await page.locator(`${tid('finding')} td[data-enterprise="ent-1"]`).allTextContents();
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named)).toEqual(new Set([ENT1_NAME]));
    await page.screenshot({ path: join(h.shotDir, 'regulator-compliance.png') });
  });

  it('lets a regulator request rectification on an alarm but not acknowledge it', async () => {
    await go(`/alarms/${alarmId}`);
    await page.waitForSelector(tid('alarm-detail'));
    expect(await page.locator(tid('action-acknowledge')).count()).toBe(0);
    await page.click(tid('action-request-rectification'));
    await page.fill(`${tid('form-request-rectification')} textarea`, '三日内报送整改报告');
    await page.click(tid('action-submit'));
    await page.waitForSelector(`${tid('comments')} >> text=三日内报送整改报告`);
  });
});
