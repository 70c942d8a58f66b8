// The platform administration view (#/admin) end to end against the real stack (test/harness.ts): the
// admin manages the accounts of no enterprise (regulators, admins) and the platform's API tokens and
// reads the whole security log, each change proved where it matters: a login, an API call with the
// token, the log itself. Everyone else is refused, without the page asking for what they may not have.
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { navFor } from '../src/auth/permissions.ts';
import { PASSWORD, startHarness, tid, USERS, type Harness } from './harness.ts';

let h: Harness;
let page: Page;

const REGULATOR = 'qian.chu';
const REGULATOR_PASSWORD = 'municipal-bureau-370306';
const RESET_PASSWORD = 'reset-by-the-admin-3';

const go = (path: string) => page.goto(`${h.server.httpUrl}/#${path}`);

/** Opens #/admin afresh (a new mount, so every list is loaded again). */
async function openAdmin() {
  await go('/');
  await page.waitForSelector(tid('nav-admin'));
  await page.click(tid('nav-admin'));
  await page.waitForSelector(`${tid('users-admin')} ${tid('users')}`);
}

/** The account rows the users table shows, by username. */
const userRows = () => page.locator(`${tid('users')} tbody tr[data-role]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')!.replace(/^user-/, '')).sort());

const entriesSince = (afterId: number) => h.server.auth.store.entries({ limit: 1000 }).filter((e) => e.id > afterId);
const lastEntryId = () => h.server.auth.store.entries({ limit: 1 })[0]?.id ?? 0;

/** Requests for the account administration APIs, while `fn` runs. */
async function accountRequests(fn: () => Promise<void>): Promise<string[]> {
  const asked: string[] = [];
  const on = (r: Request) => {
    if (/\/api\/v1\/(users|tokens|security\/log)/.test(r.url())) asked.push(`${r.method()} ${r.url()}`);
  };
  page.on('request', on);
  try {
    await fn();
  } finally {
    page.off('request', on);
  }
  return asked;
}

beforeAll(async () => {
  h = await startHarness('admin');
  // Another tenant's account and an enterprise's token: the platform lists must not show them.
  await h.server.auth.createUser({ username: 'ent2-op', password: PASSWORD, role: 'operator', enterpriseId: 'ent-2', displayName: '另一企业 值班员' }, 'test');
  h.server.auth.issueToken({ name: 'ent1-mes', role: 'operator', enterpriseId: 'ent-1', region: null, expiresAt: null }, 'test');
  page = await h.newPage();
  page.setDefaultTimeout(5000);
});

afterAll(async () => {
  await h?.close();
});

describe('platform accounts', () => {
  it('gives only the admin a 系统管理 view, listing the accounts of no enterprise', async () => {
    expect(navFor({ ...USERS.admin, id: 'a', username: 'admin' })).toContain('admin');
    for (const u of ['operator', 'ent-admin', 'regulator'] as const) expect(navFor({ ...USERS[u], id: u, username: u })).not.toContain('admin');

    await h.switchTo(page, 'admin');
    expect(await page.textContent(tid('nav-admin'))).toBe('系统管理');
    await page.click(tid('nav-admin'));
    await page.waitForSelector(tid('admin-view'));
    expect(page.url()).toMatch(/#\/admin$/);
    expect(await page.getAttribute(tid('nav-admin'), 'aria-current')).toBe('page');
    await page.waitForSelector(`${tid('user-regulator')}[data-role="regulator"]`);
    expect(await page.title()).toBe('hazwatch · 系统管理');
    // Regulators and admins only: no enterprise's operator or admin.
    expect(await userRows()).toEqual(['admin', 'regulator']);
    expect(await page.textContent(`${tid('user-regulator')} td:nth-child(3)`)).toBe('监管人员');
    expect(await page.textContent(`${tid('user-regulator')} ${tid('user-region')}`)).toBe('370306');
    expect(await page.textContent(`${tid('user-admin')} ${tid('user-region')}`)).toBe('—');
    // The admin can neither disable nor demote itself.
    expect(await page.locator(`${tid('user-admin')} button`).count()).toBe(0);
    // Platform tokens only: the enterprise's token is on the enterprise's tab.
    await page.waitForSelector(`${tid('tokens-admin')} ${tid('tokens')}, ${tid('tokens-admin')} .empty`);
    expect(await page.locator(tid('token-ent1-mes')).count()).toBe(0);
  });

  it('refuses a malformed region before asking, then creates a regulator who lands on the regulator view', async () => {
    const form = tid('user-create');
    const posted = await accountRequests(async () => {
      await page.fill(`${form} input[name="username"]`, REGULATOR);
      await page.fill(`${form} input[name="displayName"]`, '市应急局 钱处');
      expect(await page.locator(`${form} input[name="region"]`).count()).toBe(1);
      await page.fill(`${form} input[name="password"]`, REGULATOR_PASSWORD);
      for (const bad of ['37a306', '3', '3703061234567']) {
        await page.fill(`${form} input[name="region"]`, bad);
        await page.click(tid('user-create-submit'));
        await page.waitForSelector(`${form} ${tid('region-invalid')}`);
        expect(await page.textContent(`${form} ${tid('region-invalid')}`)).toContain('须为 2–12 位数字');
      }
      // The input is named by its label alone; the rule is its description, read once.
      await page.locator(form).getByRole('textbox', { name: '辖区代码', exact: true }).waitFor({ timeout: 2000 });
      const described = await page.getAttribute(`${form} input[name="region"]`, 'aria-describedby');
      expect(await page.getAttribute(`${form} ${tid('region-invalid')}`, 'id')).toBe(described);
    });
    expect(posted).toEqual([]);
    expect(await page.locator(tid(`user-${REGULATOR}`)).count()).toBe(0);
    await page.screenshot({ path: join(h.shotDir, 'admin-region-rejected.png'), fullPage: true });

    // Typing again clears the complaint; a good region is accepted.
    await page.fill(`${form} input[name="region"]`, '370306');
    expect(await page.locator(tid('region-invalid')).count()).toBe(0);
    await page.click(tid('user-create-submit'));
    await page.waitForSelector(tid('user-created'));
    const row = tid(`user-${REGULATOR}`);
    await page.waitForSelector(`${row}[data-role="regulator"]`);
    expect(await page.textContent(`${row} ${tid('user-region')}`)).toBe('370306');
    expect(await page.textContent(`${row} ${tid('user-last-login')}`)).toBe('从未登录');
    // An administrator has no region to give.
    await page.selectOption(`${form} select[name="role"]`, 'admin');
    expect(await page.locator(`${form} input[name="region"]`).count()).toBe(0);
    await page.selectOption(`${form} select[name="role"]`, 'regulator');

    // The new regulator signs in through the login page, in a browser of its own, and starts at its region.
    const other = await h.newPage();
    try {
      await other.goto(h.server.httpUrl);
      await other.fill('input[name="username"]', REGULATOR);
      await other.fill('input[name="password"]', REGULATOR_PASSWORD);
      await other.click(tid('login-submit'));
      await other.waitForSelector('.app[data-role="regulator"]', { timeout: 5000 });
      await other.waitForSelector(tid('regulator-view'));
      expect(other.url()).toMatch(/#\/regulator$/);
      expect(await other.locator(tid('nav-admin')).count()).toBe(0);
    } finally {
      await other.close();
    }
    const session = await h.apiLogin(REGULATOR, REGULATOR_PASSWORD);
    expect((await h.me({ cookie: session.cookie })).body.user).toMatchObject({ role: 'regulator', enterpriseId: null, region: '370306' });
  });

  it('changes a region and a role, resets a password, disables, enables and unlocks', async () => {
    const row = tid(`user-${REGULATOR}`);
    const form = tid(`user-form-${REGULATOR}`);
    // A narrower region, checked like the new account's.
    await page.click(`${row} ${tid('user-change-role')}`);
    expect(await page.textContent(`${row} ${tid('user-change-role')}`)).toBe('修改角色/辖区');
    const refusedHere = await accountRequests(async () => {
      await page.fill(`${form} input[name="region"]`, '37-03');
      await page.click(`${form} ${tid('user-form-submit')}`);
      await page.waitForSelector(`${form} ${tid('region-invalid')}`);
    });
    expect(refusedHere).toEqual([]);
    await page.fill(`${form} input[name="region"]`, '3703');
    await page.click(`${form} ${tid('user-form-submit')}`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '3703', `[data-testid="user-${REGULATOR}"] [data-testid="user-region"]`);
    expect(h.server.auth.store.users().find((u) => u.username === REGULATOR)).toMatchObject({ role: 'regulator', region: '3703' });

    // An administrator has no region; made a regulator again, it needs one.
    await page.click(`${row} ${tid('user-change-role')}`);
    await page.selectOption(`${form} select[name="role"]`, 'admin');
    expect(await page.locator(`${form} input[name="region"]`).count()).toBe(0);
    await page.click(`${form} ${tid('user-form-submit')}`);
    await page.waitForSelector(`${row}[data-role="admin"]`);
    expect(await page.textContent(`${row} ${tid('user-region')}`)).toBe('—');
    expect(h.server.auth.store.users().find((u) => u.username === REGULATOR)).toMatchObject({ role: 'admin', region: null });
    await page.click(`${row} ${tid('user-change-role')}`);
    await page.selectOption(`${form} select[name="role"]`, 'regulator');
    // An empty region is refused with the same rule, in the page's words, and nothing is sent.
    const emptyRegion = await accountRequests(async () => {
      await page.fill(`${form} input[name="region"]`, '');
      await page.click(`${form} ${tid('user-form-submit')}`);
      await page.waitForSelector(`${form} ${tid('region-invalid')}`);
    });
    expect(emptyRegion).toEqual([]);
    expect(await page.getAttribute(`${form} input[name="region"]`, 'aria-invalid')).toBe('true');
    await page.fill(`${form} input[name="region"]`, '370306');
    await page.click(`${form} ${tid('user-form-submit')}`);
    await page.waitForSelector(`${row}[data-role="regulator"]`);
    expect(await page.textContent(`${row} ${tid('user-region')}`)).toBe('370306');

    await page.click(`${row} ${tid('user-reset-password')}`);
    await page.fill(`${form} input[name="password"]`, RESET_PASSWORD);
    await page.click(`${form} ${tid('user-form-submit')}`);
    await page.waitForSelector(`${row} ${tid('user-saved')}`);
    expect((await h.apiLogin(REGULATOR, REGULATOR_PASSWORD)).status).toBe(401);
    expect((await h.apiLogin(REGULATOR, RESET_PASSWORD)).status).toBe(200);

    await page.click(`${row} ${tid('user-disable')}`);
    expect(await page.textContent(form)).toContain('确认停用');
    await page.click(`${form} ${tid('user-form-submit')}`);
    await page.waitForSelector(`${row}[data-disabled="true"]`);
    expect((await h.apiLogin(REGULATOR, RESET_PASSWORD)).status).toBe(401);
    await page.click(`${row} ${tid('user-enable')}`);
    await page.waitForSelector(`${row}[data-disabled="false"]`);
    expect((await h.apiLogin(REGULATOR, RESET_PASSWORD)).status).toBe(200);

    // Locked by failed logins (a guessed password), and the lock lifted.
    for (let i = 0; i < 5; i++) expect((await h.apiLogin(REGULATOR, 'not-the-password')).status).toBe(401);
    expect((await h.apiLogin(REGULATOR, RESET_PASSWORD)).status).toBe(429);
    await openAdmin();
    await page.waitForSelector(`${row}[data-locked="true"]`);
    await page.click(`${row} ${tid('user-unlock')}`);
    await page.waitForSelector(`${row}[data-locked="false"]`);
    expect((await h.apiLogin(REGULATOR, RESET_PASSWORD)).status).toBe(200);
  });
});

describe('platform API tokens', () => {
  it("issues a provincial system's regulator token, shown once; it works until revoked through the page", async () => {
    const form = tid('token-issue');
    await page.fill(`${form} input[name="name"]`, 'province-platform');
    await page.selectOption(`${form} select[name="role"]`, 'regulator');
    await page.fill(`${form} input[name="region"]`, 'SD');
    await page.click(tid('token-issue-submit'));
    await page.waitForSelector(`${form} ${tid('region-invalid')}`);
    expect(await page.locator(tid('secret-once')).count()).toBe(0);

    await page.fill(`${form} input[name="region"]`, '37');
    await page.fill(`${form} input[name="days"]`, '365');
    await page.click(tid('token-issue-submit'));
    await page.waitForSelector(tid('secret-once'));
    expect(await page.textContent(tid('secret-once'))).toContain('只显示这一次');
    const token = await page.inputValue(tid('secret-token'));
    expect(token).toMatch(/^hzt_/);
    const row = tid('token-province-platform');
    await page.waitForSelector(`${row}[data-state="active"]`);
    expect(await page.textContent(`${row} td:nth-child(2)`)).toBe('监管人员');
    expect(await page.textContent(`${row} td:nth-child(3)`)).toBe('37');

    const asToken = await h.me({ authorization: `Bearer ${token}` });
    expect(asToken.status).toBe(200);
    expect(asToken.body.user).toMatchObject({ role: 'regulator', enterpriseId: null, region: '37' });

    await page.click(tid('secret-dismiss'));
    expect(await page.locator(tid('secret-once')).count()).toBe(0);
    await page.screenshot({ path: join(h.shotDir, 'admin-accounts.png'), fullPage: true });

    await page.click(`${row} ${tid('token-revoke')}`);
    await page.waitForSelector(`${row} ${tid('token-confirm')}`);
    await page.click(`${row} ${tid('token-revoke-confirm')}`);
    await page.waitForSelector(`${row}[data-state="revoked"]`);
    expect((await h.me({ authorization: `Bearer ${token}` })).status).toBe(401);
  });
});

describe('platform security log', () => {
  it('shows the entries of every enterprise and of none, pages back and filters by outcome', async () => {
    await openAdmin();
    const log = tid('security-log');
    await page.waitForSelector(`${log} ${tid('seclog-entry')}`);
    // The first page is the store's newest, whatever the enterprise.
    const ids = await page.locator(tid('seclog-entry')).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
    expect(ids).toEqual(h.server.auth.store.entries({ limit: 50 }).map((e) => e.id));
    expect(await page.locator(`${tid('seclog-entry')}[data-action="token.revoked"][data-actor="admin"]`).count()).toBe(1);

    // Older pages until entries of both enterprises and of none are shown (or there are no more).
    const enterprises = () => page.locator(tid('seclog-entry')).evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-enterprise')))].sort());
    const deadline = Date.now() + 15_000;
    for (;;) {
      const shown = await enterprises();
      if (['', 'ent-1', 'ent-2'].every((e) => shown.includes(e)) || (await page.locator(tid('seclog-older')).count()) === 0) break;
      if (Date.now() > deadline) throw new Error(`only entries of ${JSON.stringify(shown)} within 15 s`);
      const n = await page.locator(tid('seclog-entry')).count();
      await page.click(tid('seclog-older'));
      await page.waitForFunction((m) => document.querySelectorAll('[data-testid="seclog-entry"]').length > m || document.querySelector('[data-testid="seclog-end"]'), n);
    }
    expect(await enterprises()).toEqual(expect.arrayContaining(['', 'ent-1', 'ent-2']));
    expect(await page.textContent(`${tid('seclog-entry')}[data-enterprise="ent-2"] td:nth-child(2)`)).toBe('另一民爆企业');
    expect(await page.textContent(`${tid('seclog-entry')}[data-enterprise=""] td:nth-child(2)`)).toBe('平台');

    // The regulator's guessed passwords under 失败, and nothing else.
    await page.selectOption(tid('seclog-outcome'), 'failed');
    await page.waitForSelector(`${tid('seclog-entry')}[data-action="auth.login-failed"][data-actor="${REGULATOR}"][data-enterprise=""]`);
    const outcomes = await page.locator(tid('seclog-entry')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')));
    expect(new Set(outcomes)).toEqual(new Set(['failed']));

    // The same screen in English.
    await page.click(tid('lang-toggle'));
    await page.waitForSelector(`${tid('lang-toggle')}[data-lang="en"]`);
    expect(await page.textContent(tid('nav-admin'))).toBe('Administration');
    expect(await page.textContent(`${tid('admin-view')} h2`)).toBe('Administration');
    expect(await page.textContent(`${tid('user-regulator')} td:nth-child(3)`)).toBe('Regulator');
    await page.click(tid('lang-toggle'));
    await page.waitForSelector(`${tid('lang-toggle')}[data-lang="zh"]`);
  });
});

describe('refusals', () => {
  for (const username of ['operator', 'ent-admin', 'regulator'] as const) {
    it(`gives the ${username} no 系统管理 and refuses #/admin without asking the API`, async () => {
      await h.switchTo(page, username);
      const before = lastEntryId();
      const asked = await accountRequests(async () => {
        await page.waitForSelector(tid('nav'));
        expect(await page.locator(tid('nav-admin')).count()).toBe(0);
        await go('/admin');
        await page.waitForSelector(tid('forbidden'));
        expect(await page.textContent(tid('forbidden'))).toContain('系统管理');
        expect(await page.locator(tid('admin-view')).count()).toBe(0);
        if (username === 'ent-admin') await page.screenshot({ path: join(h.shotDir, 'admin-forbidden.png') });
      });
      expect(asked).toEqual([]);
      // Nothing the page did was refused (and so logged as a denial).
      expect(entriesSince(before).filter((e) => e.action === 'http.forbidden')).toEqual([]);
      expect(entriesSince(before).filter((e) => e.outcome === 'denied')).toEqual([]);
    });
  }
});
