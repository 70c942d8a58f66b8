import { describe, expect, it } from 'vitest';
import { SiteConfig } from '../src/index.ts';
import { problemAt, problems, specSite } from './helpers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- documents are mutated freely

function withAlerting(enterprise: Json | undefined, site: Json | undefined): Json {
  const doc = structuredClone(specSite()) as Json;
  if (enterprise) doc.enterprises[0].alerting = enterprise;
  if (site) doc.alerting = site;
  return doc;
}

const channels = [
  { id: 'duty-wecom', kind: 'wecom', keyEnv: 'WECOM_KEY' },
  { id: 'safety-mail', kind: 'email', from: 'alarm@plant.example', to: ['safety@plant.example'], smtp: { host: 'smtp.plant.example', passwordEnv: 'SMTP_PASS', user: 'alarm' } },
  { id: 'bureau', kind: 'webhook', url: 'https://bureau.example/hazwatch', secretEnv: 'BUREAU_SECRET' },
];

describe('alerting sections of the site configuration', () => {
  it('accepts routes, escalation, shelving and regulators, with defaults filled in', () => {
    const s = SiteConfig.parse(
      withAlerting(
        { routes: [{ channels: ['duty-wecom'], fallback: 'safety-mail', types: ['over-staffing'], workshops: ['ws-emulsify'] }, { tier: 'principal', channels: ['safety-mail'] }], shelving: { forbid: ['over-quantity'] } },
        { channels, regulators: [{ id: 'zibo', name: '淄博市工业和信息化局', region: '3703', channels: ['bureau'] }] },
      ),
    );
    const a = s.enterprises[0]!.alerting!;
    expect(a.escalation).toEqual({ t1Minutes: 5, t2Minutes: 15 });
    expect(a.reminderMinutes).toBe(10);
    expect(a.routes[0]!.tier).toBe('duty');
    expect(s.alerting!.delivery).toMatchObject({ maxAttempts: 8, groupSeconds: 5 });
    expect(s.alerting!.channels[0]).toMatchObject({ baseUrl: 'https://qyapi.weixin.qq.com', mentionMobiles: [] });
    // A site without alerting sections stays valid (SPEC 3 compatibility).
    expect(problems(SiteConfig, specSite())).toEqual([]);
  });

  it('names every wrong reference and setting by path', () => {
    const all = problems(
      SiteConfig,
      withAlerting(
        { escalation: { t1Minutes: 15, t2Minutes: 5 }, routes: [{ channels: ['nope'], fallback: 'duty-wecom', workshops: ['ws-x'], lines: ['line-9'] }, { channels: ['duty-wecom'], fallback: 'duty-wecom' }] },
        { channels: [...channels, { id: 'duty-wecom', kind: 'sms', url: 'https://sms.example', to: ['13800000000'] }], regulators: [{ id: 'r', name: 'r', region: '37', channels: ['gone'] }] },
      ),
    );
    expect(problemAt(all, 'enterprises[0].alerting.escalation.t2Minutes').message).toContain('after t1Minutes');
    expect(problemAt(all, 'enterprises[0].alerting.routes[0].channels[0]').message).toContain('"nope"');
    expect(problemAt(all, 'enterprises[0].alerting.routes[0].workshops[0]').message).toContain('ws-x');
    expect(problemAt(all, 'enterprises[0].alerting.routes[0].lines[0]').message).toContain('line-9');
    expect(problemAt(all, 'enterprises[0].alerting.routes[1].fallback').message).toContain('differ');
    expect(problemAt(all, 'alerting.channels[3].id').message).toContain('duplicate');
    expect(problemAt(all, 'alerting.regulators[0].channels[0]').message).toContain('"gone"');
  });

  it('holds no secrets: a channel names the variable, and a misspelt key is an error', () => {
    const all = problems(SiteConfig, withAlerting(undefined, { channels: [{ id: 'hook', kind: 'webhook', url: 'https://x.example', secret: 'hunter2' }, { id: 'w', kind: 'wecom', keyEnv: 'not a name!' }] }));
    expect(problemAt(all, 'alerting.channels[0]').message).toContain('"secret" is not a known key');
    expect(problemAt(all, 'alerting.channels[1].keyEnv').message).toContain('environment variable');
  });
});
