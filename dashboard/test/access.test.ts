// Account administration end to end against the real stack (test/harness.ts): an enterprise admin
// and the platform admin manage users, API tokens and gateway credentials through the dashboard, and
// each change is proved where it matters: a login, an API call with the token, an MQTT connection
// with the gateway's secret, and the security log. An operator and a foreign enterprise admin are
// refused, without the page itself asking for what they may not have.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, SITE, startHarness, tid, type Harness } from './harness.ts';

let h: Harness;
let page: Page;

const NEW_USER = 'zhang.gong';
const NEW_PASSWORD = 'emulsion-line-1-duty';
const RESET_PASSWORD = 'reset-by-the-admin-2';

const go = (path: string) => page.goto(`${h.server.httpUrl}/#${path}`);

/** Security log entries after `afterId`, newest first, straight from the store. */
const entriesSince = (afterId: number) => h.server.auth.store.entries({ limit: 1000 }).filter((e) => e.id > afterId);
const lastEntryId = () => h.server.auth.store.entries({ limit: 1 })[0]?.id ?? 0;

async function mqttConnects(username: string, password: string): Promise<boolean> {
  try {
    const c = await mqtt.connectAsync(h.server.mqttUrl, { clientId: `access-test-${Math.random().toString(36).slice(2)}`, username, password, reconnectPeriod: 0, connectTimeout: 5000 });
    await c.endAsync();
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  h = await startHarness('access');
  // A gateway with no credential yet, for issuing one; the harness's gateways all have theirs.
  const admin = await h.apiLogin('admin', PASSWORD);
  const site = (await readFile(SITE, 'utf8')).replace('      - { id: gw-2, workshops: [ws-expand], lines: [line-2] }\n', '      - { id: gw-2, workshops: [ws-expand], lines: [line-2] }\n      - { id: gw-3, workshops: [], lines: [] }\n');
  const put = await fetch(`${h.server.httpUrl}/api/v1/site`, { method: 'PUT', headers: { cookie: admin.cookie, 'content-type': 'application/yaml' }, body: site });
  expect(put.status, await put.text()).toBe(200);
  // Another tenant's account, which ent-1's admin must never see.
  await h.server.auth.createUser({ username: 'ent2-op', password: PASSWORD, role: 'operator', enterpriseId: 'ent-2', displayName: '另一企业 值班员' }, 'test');
  // Enough older history for the security log to need a second page.
  for (let i = 0; i < 60; i++) h.server.auth.log.record({ action: 'test.history', outcome: 'ok', actor: `filler-${i}`, enterpriseId: 'ent-1', target: `#${i}` });
  page = await h.newPage();
  page.setDefaultTimeout(5000);
});

afterAll(async () => {
  await h?.close();
});

describe('users', () => {
  it('lets an enterprise admin create an operator, who can then log in', async () => {
    await h.switchTo(page, 'ent-admin');
    await page.click(tid('nav-enterprise'));
    await page.click(tid('tab-access'));
    expect(await page.textContent(tid('tab-access'))).toBe('账户与权限');
    await page.waitForSelector(`${tid('user-operator')}[data-role="operator"]`);
    // Its own enterprise's accounts only, itself marked and not editable.
    const names = await page.locator(`${tid('users')} tbody tr[data-role]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));
    expect(names.sort()).toEqual(['user-ent-admin', 'user-operator']);
    expect(await page.locator(`${tid('user-ent-admin')} ${tid('user-disable')}`).count()).toBe(0);
    expect(await page.textContent(`${tid('user-operator')} td:nth-child(3)`)).toBe('值班员');
    // An enterprise's accounts and tokens can only be its operators and admins: no regulator, no region.
    for (const form of [tid('user-create'), tid('token-issue')]) {
      expect(await page.locator(`${form} select[name="role"] option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['operator', 'enterprise-admin']);
      expect(await page.locator(`${form} input[name="region"]`).count()).toBe(0);
    }

    // The server's password rule comes back next to the form, in Chinese with its own words.
    const form = tid('user-create');
    await page.fill(`${form} input[name="username"]`, NEW_USER);
    await page.fill(`${form} input[name="displayName"]`, '值班员 张工');
    await page.selectOption(`${form} select[name="role"]`, 'operator');
    await page.fill(`${form} input[name="password"]`, 'short');
    await page.click(tid('user-create-submit'));
    await page.waitForSelector(`${tid('user-create-error')}[data-status="400"]`);
    const rule = await page.textContent(tid('user-create-error'));
    expect(rule).toContain('提交的内容不符合要求');
    expect(rule).toContain('初始密码：must have at least 10 characters');
    await page.screenshot({ path: join(h.shotDir, 'access-user-rejected.png'), fullPage: true });

    await page.fill(`${form} input[name="password"]`, NEW_PASSWORD);
    await page.click(tid('user-create-submit'));
    await page.waitForSelector(tid('user-created'));
    await page.waitForSelector(`${tid(`user-${NEW_USER}`)}[data-role="operator"]`);
    expect(await page.locator(tid('user-create-error')).count()).toBe(0);
    expect(await page.textContent(`${tid(`user-${NEW_USER}`)} ${tid('user-last-login')}`)).toBe('从未登录');
    // The form is cleared, so a second click cannot create the same account twice; a name taken is a 409.
    expect(await page.inputValue(`${form} input[name="password"]`)).toBe('');
    await page.fill(`${form} input[name="username"]`, NEW_USER);
    await page.fill(`${form} input[name="password"]`, NEW_PASSWORD);
    await page.click(tid('user-create-submit'));
    await page.waitForSelector(`${tid('user-create-error')}[data-status="409"]`);
    expect(await page.textContent(tid('user-create-error'))).toContain(`user "${NEW_USER}" exists`);
    await page.screenshot({ path: join(h.shotDir, 'access-users.png'), fullPage: true });

    // The new operator signs in through the login page, in a browser of its own.
    const other = await h.newPage();
    try {
      await other.goto(h.server.httpUrl);
      await other.fill('input[name="username"]', NEW_USER);
      await other.fill('input[name="password"]', NEW_PASSWORD);
      await other.click(tid('login-submit'));
      await other.waitForSelector(`${tid('user')}[data-role="operator"]`, { timeout: 5000 });
    } finally {
      await other.close();
    }
    expect((await h.apiLogin(NEW_USER, NEW_PASSWORD)).status).toBe(200);
    // Its last login is shown once the list is loaded again.
    await page.click(tid('tab-alarms'));
    await page.click(tid('tab-access'));
    await page.waitForFunction((sel) => !(document.querySelector(sel)?.textContent ?? '从未登录').includes('从未登录'), `[data-testid="user-${NEW_USER}"] [data-testid="user-last-login"]`);
  });

  it('lets an enterprise admin change a role and reset a password', async () => {
    const row = tid(`user-${NEW_USER}`);
    await page.click(`${row} ${tid('user-change-role')}`);
    await page.selectOption(`${tid(`user-form-${NEW_USER}`)} select[name="role"]`, 'enterprise-admin');
    await page.click(`${tid(`user-form-${NEW_USER}`)} ${tid('user-form-submit')}`);
    await page.waitForSelector(`${row}[data-role="enterprise-admin"]`);
    expect(await page.textContent(`${row} td:nth-child(3)`)).toBe('企业管理员');
    // And back: the account is an operator for the rest of the file.
    await page.click(`${row} ${tid('user-change-role')}`);
    await page.selectOption(`${tid(`user-form-${NEW_USER}`)} select[name="role"]`, 'operator');
    await page.click(`${tid(`user-form-${NEW_USER}`)} ${tid('user-form-submit')}`);
    await page.waitForSelector(`${row}[data-role="operator"]`);

    await page.click(`${row} ${tid('user-reset-password')}`);
    await page.fill(`${tid(`user-form-${NEW_USER}`)} input[name="password"]`, RESET_PASSWORD);
    await page.click(`${tid(`user-form-${NEW_USER}`)} ${tid('user-form-submit')}`);
    await page.waitForSelector(`${row} ${tid('user-saved')}`);
    expect((await h.apiLogin(NEW_USER, NEW_PASSWORD)).status).toBe(401);
    expect((await h.apiLogin(NEW_USER, RESET_PASSWORD)).status).toBe(200);
  });

  it('lets the admin disable a user, whose login is then refused and whose session ends, open dashboard too', async () => {
    const session = await h.apiLogin(NEW_USER, RESET_PASSWORD);
    expect((await h.me({ cookie: session.cookie })).status).toBe(200);
    // The user's dashboard, open and live in another browser context.
    const theirs = await h.newPage();
    await theirs.goto(h.server.httpUrl);
    await theirs.fill('input[name="username"]', NEW_USER);
    await theirs.fill('input[name="password"]', RESET_PASSWORD);
    await theirs.click(tid('login-submit'));
    await theirs.waitForSelector(`${tid('user')}[data-role="operator"]`);
    await h.switchTo(page, 'admin');
    await go('/enterprise/ent-1/access');
    const row = tid(`user-${NEW_USER}`);
    await page.waitForSelector(row);
    // The admin is given every account by the API; the enterprise's screen shows the enterprise's.
    const names = await page.locator(`${tid('users')} tbody tr[data-role]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));
    expect(names.sort()).toEqual(['user-ent-admin', 'user-operator', `user-${NEW_USER}`]);

    await page.click(`${row} ${tid('user-disable')}`);
    expect(await page.textContent(tid(`user-form-${NEW_USER}`))).toContain('确认停用');
    await page.click(`${tid(`user-form-${NEW_USER}`)} ${tid('user-form-submit')}`);
    await page.waitForSelector(`${row}[data-disabled="true"]`);
    expect(await page.textContent(`${row} td:nth-child(4)`)).toBe('已停用');
    await page.screenshot({ path: join(h.shotDir, 'access-user-disabled.png'), fullPage: true });
    expect((await h.apiLogin(NEW_USER, RESET_PASSWORD)).status).toBe(401);
    expect((await h.me({ cookie: session.cookie })).status).toBe(401);
    // The server closed its live connection; the page, refused on reconnecting, asks for a login.
    await theirs.waitForSelector(tid('login-form'), { timeout: 15_000 });
    // Saying why: live monitoring has stopped with the session.
    expect(await theirs.textContent(tid('login-error'))).toContain('实时监测已中断');
    await theirs.close();

    await page.click(`${row} ${tid('user-enable')}`);
    await page.waitForSelector(`${row}[data-disabled="false"]`);
    expect((await h.apiLogin(NEW_USER, RESET_PASSWORD)).status).toBe(200);

    // Viewing the other enterprise, the admin sees that one's accounts instead.
    await go('/enterprise/ent-2/access');
    await page.waitForSelector(tid('user-ent2-op'));
    expect(await page.locator(tid('user-operator')).count()).toBe(0);
  });

  it('shows an account locked by failed logins, and lifts the lock', async () => {
    for (let i = 0; i < 5; i++) expect((await h.apiLogin(NEW_USER, 'not-the-password')).status).toBe(401);
    expect((await h.apiLogin(NEW_USER, RESET_PASSWORD)).status).toBe(429);
    await go('/enterprise/ent-1/access');
    const row = tid(`user-${NEW_USER}`);
    await page.waitForSelector(`${row}[data-locked="true"]`);
    expect(await page.textContent(`${row} td:nth-child(4)`)).toMatch(/^锁定至 /);
    await page.click(`${row} ${tid('user-unlock')}`);
    await page.waitForSelector(`${row}[data-locked="false"]`);
    expect((await h.apiLogin(NEW_USER, RESET_PASSWORD)).status).toBe(200);
  });
});

describe('API tokens', () => {
  it('shows a new token once; it works until revoked through the page', async () => {
    await h.switchTo(page, 'ent-admin');
    await go('/enterprise/ent-1/access');
    const form = tid('token-issue');
    await page.fill(`${form} input[name="name"]`, 'mes-link');
    await page.selectOption(`${form} select[name="role"]`, 'operator');
    await page.fill(`${form} input[name="days"]`, '30');
    await page.click(tid('token-issue-submit'));
    await page.waitForSelector(tid('secret-once'));
    expect(await page.textContent(tid('secret-once'))).toContain('只显示这一次');
    const token = await page.inputValue(tid('secret-token'));
    expect(token).toMatch(/^hzt_/);
    await page.waitForSelector(`${tid('token-mes-link')}[data-state="active"]`);
    await page.screenshot({ path: join(h.shotDir, 'access-token-secret.png'), fullPage: true });

    const asToken = await h.me({ authorization: `Bearer ${token}` });
    expect(asToken.status).toBe(200);
    expect(asToken.body.user).toMatchObject({ role: 'operator', enterpriseId: 'ent-1' });

    await page.click(tid('secret-dismiss'));
    expect(await page.locator(tid('secret-once')).count()).toBe(0);

    // A secret left open is gone once the user leaves the screen.
    await page.fill(`${form} input[name="name"]`, 'scratch');
    await page.click(tid('token-issue-submit'));
    await page.waitForSelector(tid('secret-once'));
    const scratch = await page.inputValue(tid('secret-token'));
    await page.click(tid('tab-alarms'));
    await page.waitForSelector(tid('alarm-history'));
    await page.click(tid('tab-access'));
    await page.waitForSelector(`${tid('token-scratch')}[data-state="active"]`);
    expect(await page.locator(tid('secret-once')).count()).toBe(0);

    const row = tid('token-mes-link');
    await page.click(`${row} ${tid('token-revoke')}`);
    await page.waitForSelector(`${row} ${tid('token-confirm')}`);
    await page.click(`${row} ${tid('token-revoke-confirm')}`);
    await page.waitForSelector(`${row}[data-state="revoked"]`);
    expect((await h.me({ authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await h.me({ authorization: `Bearer ${scratch}` })).status).toBe(200);
  });
});

describe('gateway credentials', () => {
  it('issues and rotates a credential from the gateways tab; MQTT accepts only the newest secret', async () => {
    await go('/enterprise/ent-1/gateways');
    await page.waitForSelector(`${tid('credential-gw-3')}[data-issued="false"]`);
    expect(await page.textContent(tid('credential-gw-3'))).toBe('未签发');
    await page.waitForSelector(`${tid('credential-gw-1')}[data-issued="true"]`);
    expect(await page.textContent(tid('credential-gw-1'))).toContain('由 test 签发');
    expect(await page.locator(tid('credential-rotate-gw-3')).count()).toBe(0);

    await page.click(tid('credential-issue-gw-3'));
    await page.waitForSelector(tid('secret-once'));
    const username = await page.inputValue(tid('secret-username'));
    const first = await page.inputValue(tid('secret-password'));
    expect(username).toBe('ent-1/gw-3');
    await page.waitForSelector(`${tid('credential-gw-3')}[data-issued="true"]`);
    expect(await mqttConnects(username, first)).toBe(true);
    await page.screenshot({ path: join(h.shotDir, 'access-gateway-secret.png'), fullPage: true });
    await page.click(tid('secret-dismiss'));
    expect(await page.locator(tid('secret-once')).count()).toBe(0);

    // Rotating asks first: the old secret stops working.
    await page.click(tid('credential-rotate-gw-3'));
    expect(await page.textContent(tid('credential-confirm-gw-3'))).toContain('旧密钥失效');
    await page.click(tid('credential-rotate-confirm-gw-3'));
    await page.waitForSelector(tid('secret-once'));
    const second = await page.inputValue(tid('secret-password'));
    expect(second).not.toBe(first);
    await page.waitForFunction(() => document.querySelector('[data-testid="credential-gw-3"]')?.textContent?.includes('已轮换 1 次'));
    expect(await mqttConnects(username, first)).toBe(false);
    expect(await mqttConnects(username, second)).toBe(true);

    await page.click(tid('tab-alarms'));
    await page.click(tid('tab-gateways'));
    await page.waitForSelector(`${tid('credential-gw-3')}[data-issued="true"]`);
    expect(await page.locator(tid('secret-once')).count()).toBe(0);

    // Withdrawn (a gateway out of service), after a confirmation: its open connection is closed.
    const open = await mqtt.connectAsync(h.server.mqttUrl, { clientId: 'access-test-gw-3', username, password: second, reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => open.once('close', () => resolve()));
    await page.click(tid('credential-revoke-gw-3'));
    expect(await page.textContent(tid('credential-confirm-gw-3'))).toContain('确认撤销');
    await page.click(tid('credential-revoke-confirm-gw-3'));
    await page.waitForSelector(`${tid('credential-gw-3')}[data-issued="false"]`);
    await closed;
    expect(await mqttConnects(username, second)).toBe(false);
    await open.endAsync(true);
  });
});

describe('security log', () => {
  it('shows the logins and credential events just made, filters by outcome and pages back', async () => {
    await go('/enterprise/ent-1/access');
    const entry = (action: string, actor?: string) => `${tid('seclog')} tr[data-action="${action}"]${actor ? `[data-actor="${actor}"]` : ''}`;
    await page.waitForSelector(entry('gateway.credential-rotated', 'ent-admin'));
    for (const [action, actor] of [
      ['gateway.credential-issued', 'ent-admin'],
      ['token.revoked', 'ent-admin'],
      ['token.issued', 'ent-admin'],
      ['auth.login', 'ent-admin'],
      ['auth.login', NEW_USER],
      ['user.enabled', 'admin'],
      ['user.unlocked', 'admin'],
      ['auth.account-locked', NEW_USER],
      ['user.disabled', 'admin'],
      ['user.password-changed', 'ent-admin'],
      ['user.role-changed', 'ent-admin'],
      ['user.created', 'ent-admin'],
    ] as const) {
      expect(await page.locator(entry(action, actor)).count(), `${action} by ${actor}`).toBeGreaterThan(0);
    }
    expect(await page.textContent(`${entry('gateway.credential-rotated')} td:nth-child(2)`)).toContain('轮换网关密钥');
    // Newest first, the time in the plant's clock.
    const ids = await page.locator(tid('seclog-entry')).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(await page.textContent(`${tid('seclog-entry')} td:first-child`)).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    await page.screenshot({ path: join(h.shotDir, 'access-security-log.png'), fullPage: true });

    // Older entries a page at a time, until there are none.
    const firstPage = ids.length;
    expect(firstPage).toBe(50);
    await page.click(tid('seclog-older'));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="seclog-entry"]').length > n, firstPage);
    for (let i = 0; i < 10 && (await page.locator(tid('seclog-end')).count()) === 0; i++) {
      const n = await page.locator(tid('seclog-entry')).count();
      await page.click(tid('seclog-older'));
      await page.waitForFunction((m) => document.querySelectorAll('[data-testid="seclog-entry"]').length > m || document.querySelector('[data-testid="seclog-end"]'), n);
    }
    await page.waitForSelector(tid('seclog-end'));
    const all = await page.locator(tid('seclog-entry')).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual([...all].sort((a, b) => b - a));
    expect(await page.locator(entry('test.history', 'filler-0')).count()).toBe(1);

    // The refused logins of the disabled account, and nothing else, under 失败.
    await page.selectOption(tid('seclog-outcome'), 'failed');
    await page.waitForSelector(entry('auth.login-failed', NEW_USER));
    const outcomes = await page.locator(tid('seclog-entry')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')));
    expect(new Set(outcomes)).toEqual(new Set(['failed']));
  });
});

describe('refusals', () => {
  it('gives an operator no access tab and no credential buttons, and refuses a hand-typed link without asking the API', async () => {
    const before = lastEntryId();
    await h.switchTo(page, 'operator');
    const asked: string[] = [];
    page.on('request', (r) => {
      if (/\/api\/v1\/(users|tokens|gateways\/credentials|security\/log)/.test(r.url())) asked.push(r.url());
    });
    await page.click(tid('nav-enterprise'));
    await page.waitForSelector(tid('tab-gateways'));
    expect(await page.locator(tid('tab-access')).count()).toBe(0);
    await page.click(tid('tab-gateways'));
    await page.waitForSelector(tid('gateway-gw-1'));
    // 网关 状态 最近通信 待补传 采集程序 时钟偏差 负责工房: no credential columns.
    expect(await page.locator(`${tid('gateways')} th`).count()).toBe(7);
    expect(await page.locator('[data-testid^="credential-"]').count()).toBe(0);

    await go('/enterprise/ent-1/access');
    await page.waitForSelector(tid('forbidden'));
    expect(await page.textContent(tid('forbidden'))).toContain('账户与权限');
    expect(await page.locator(tid('access-admin')).count()).toBe(0);
    await page.screenshot({ path: join(h.shotDir, 'access-operator-forbidden.png') });
    expect(asked).toEqual([]);
    // Nothing the page did for the operator was refused (and so logged as a denial).
    expect(entriesSince(before).filter((e) => e.outcome === 'denied')).toEqual([]);
  });

  it("gives an enterprise admin no way to another enterprise's accounts", async () => {
    await h.switchTo(page, 'ent-admin');
    const before = lastEntryId();
    await go('/enterprise/ent-1/access');
    await page.waitForSelector(tid('user-operator'));
    // No enterprise to switch to, and no account of ent-2 in the list.
    expect(await page.locator(tid('enterprise-select')).count()).toBe(0);
    expect(await page.locator(tid('user-ent2-op')).count()).toBe(0);
    // The same screen in English.
    await page.click(tid('lang-toggle'));
    await page.waitForSelector(`${tid('lang-toggle')}[data-lang="en"]`);
    expect(await page.textContent(tid('tab-access'))).toBe('Access');
    expect(await page.textContent(`${tid('users-admin')} .panel-title`)).toBe('Users');
    expect(await page.textContent(`${tid('user-operator')} td:nth-child(3)`)).toBe('Operator');
    await page.click(tid('lang-toggle'));
    await page.waitForSelector(`${tid('lang-toggle')}[data-lang="zh"]`);
    await go('/enterprise/ent-2/access');
    await page.waitForSelector(tid('forbidden'));
    expect(await page.locator(tid('access-admin')).count()).toBe(0);
    expect(entriesSince(before).filter((e) => e.outcome === 'denied')).toEqual([]);
    // The API agrees: ent-1's admin is refused an ent-2 account, and the refusal is logged.
    const session = await h.apiLogin('ent-admin', PASSWORD);
    const r = await fetch(`${h.server.httpUrl}/api/v1/users`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'intruder', role: 'operator', enterpriseId: 'ent-2', password: NEW_PASSWORD }),
    });
    expect(r.status).toBe(403);
    expect(entriesSince(before).some((e) => e.action === 'http.forbidden' && e.actor === 'ent-admin')).toBe(true);
  });
});
