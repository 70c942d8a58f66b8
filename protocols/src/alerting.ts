import { z } from 'zod';
import { AlarmLevel, AlarmType } from './alarm.ts';
import { Id } from './ids.ts';
import { strictObject } from './strict.ts';

// Notification routing, escalation and shelving (an optional extension of the SPEC 3 site document).
// Secrets never appear here: a channel names the environment variable that holds its secret, so the
// document can be served by GET /api/v1/site and kept in version control.

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
  message: 'must be the name of an environment variable holding the secret (letters, digits, "_"), not the secret itself',
});
const HttpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });
const Mobile = z.string().regex(/^\+?\d{5,20}$/, { message: 'must be a phone number of digits, optionally with a leading +' });
const Minutes = z.number().positive({ message: 'must be a positive number of minutes' }).max(7 * 24 * 60);

/** A generic HTTPS webhook: JSON body, HMAC-SHA256 signature over `timestamp.body`, an idempotency key. */
export const WebhookChannel = strictObject({
  id: Id,
  kind: z.literal('webhook'),
  url: HttpUrl,
  secretEnv: EnvName.optional(),
});
/** WeCom (企业微信) group robot; the robot key is a secret, so it comes from the environment. */
export const WecomChannel = strictObject({
  id: Id,
  kind: z.literal('wecom'),
  keyEnv: EnvName,
  baseUrl: HttpUrl.default('https://qyapi.weixin.qq.com'),
  mentionMobiles: z.array(Mobile).default([]),
});
/** DingTalk (钉钉) custom robot, with the 加签 signature when `secretEnv` is set. */
export const DingtalkChannel = strictObject({
  id: Id,
  kind: z.literal('dingtalk'),
  accessTokenEnv: EnvName,
  secretEnv: EnvName.optional(),
  baseUrl: HttpUrl.default('https://oapi.dingtalk.com'),
  atMobiles: z.array(Mobile).default([]),
});
/** Feishu (飞书) custom bot, with the 签名校验 signature when `secretEnv` is set. */
export const FeishuChannel = strictObject({
  id: Id,
  kind: z.literal('feishu'),
  hookTokenEnv: EnvName,
  secretEnv: EnvName.optional(),
  baseUrl: HttpUrl.default('https://open.feishu.cn'),
});
export const EmailChannel = strictObject({
  id: Id,
  kind: z.literal('email'),
  from: z.string().min(3).max(320),
  to: z.array(z.email({ message: 'must be an e-mail address' })).min(1, { message: 'must list at least one recipient' }),
  smtp: strictObject({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(587),
    /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().min(1).optional(),
    passwordEnv: EnvName.optional(),
  }),
});
/** An SMS gateway over HTTP: POST `{ to, text, requestId }` as JSON, a bearer token from the environment. */
export const SmsChannel = strictObject({
  id: Id,
  kind: z.literal('sms'),
  url: HttpUrl,
  tokenEnv: EnvName.optional(),
  to: z.array(Mobile).min(1, { message: 'must list at least one phone number' }),
});

export const Channel = z.discriminatedUnion('kind', [WebhookChannel, WecomChannel, DingtalkChannel, FeishuChannel, EmailChannel, SmsChannel]);
export type Channel = z.output<typeof Channel>;
export type ChannelKind = Channel['kind'];

/** How deliveries are retried: exponential backoff from `retrySeconds` up to `maxRetrySeconds`, with jitter. */
export const DeliveryPolicy = strictObject({
  maxAttempts: z.number().int().min(1).max(50).default(8),
  retrySeconds: z.number().positive().max(3600).default(5),
  maxRetrySeconds: z.number().positive().max(86_400).default(600),
  timeoutSeconds: z.number().positive().max(300).default(10),
  /** Notifications for one channel that fall due within this window go out as one message. */
  groupSeconds: z.number().min(0).max(600).default(5),
});
export type DeliveryPolicy = z.output<typeof DeliveryPolicy>;

/** A regulator (district or city industry bureau); `region` is a prefix of the enterprises' division codes. */
export const Regulator = strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  region: z.string().regex(/^\d{2,12}$/, { message: 'must be (a prefix of) an administrative division code, e.g. "3703"' }),
  channels: z.array(Id).min(1, { message: 'must list at least one channel' }),
});
export type Regulator = z.output<typeof Regulator>;

/** The site-wide part: channels, the retry policy and the regulators. */
export const SiteAlerting = strictObject({
  channels: z.array(Channel).default([]),
  delivery: DeliveryPolicy.default({ maxAttempts: 8, retrySeconds: 5, maxRetrySeconds: 600, timeoutSeconds: 10, groupSeconds: 5 }),
  regulators: z.array(Regulator).default([]),
});
export type SiteAlerting = z.output<typeof SiteAlerting>;

/** Who is told: `duty` from the start, `next` once T1 passes unacknowledged, `principal` (主要负责人) at T2. */
export const RouteTier = z.enum(['duty', 'next', 'principal']);
export type RouteTier = z.infer<typeof RouteTier>;
export const TIER_NUMBER: Record<RouteTier, number> = { duty: 0, next: 1, principal: 2 };

/** The transitions (and the reminder) a route may be told of. */
export const NotifyOn = z.enum(['raised', 'escalated', 'acknowledged', 'cleared', 'closed', 'reminder']);
export type NotifyOn = z.infer<typeof NotifyOn>;

export const Route = strictObject({
  tier: RouteTier.default('duty'),
  channels: z.array(Id).min(1, { message: 'must list at least one channel' }),
  /** Used for a notification whose channel ended in the dead letter. */
  fallback: Id.optional(),
  /** Absent: every type (level, workshop, line likewise). */
  types: z.array(AlarmType).optional(),
  levels: z.array(AlarmLevel).optional(),
  workshops: z.array(Id).optional(),
  lines: z.array(Id).optional(),
  /** Default: every transition except `acknowledged` for `duty` (they acknowledged it), every one for the others. */
  on: z.array(NotifyOn).optional(),
});
export type Route = z.output<typeof Route>;

export const EnterpriseAlerting = strictObject({
  escalation: strictObject({ t1Minutes: Minutes.default(5), t2Minutes: Minutes.default(15) }).default({ t1Minutes: 5, t2Minutes: 15 }),
  /** Reminders while an active alarm stays unacknowledged; 0: none. */
  reminderMinutes: z.number().min(0).max(7 * 24 * 60).default(10),
  shelving: strictObject({
    /** Alarm types that may not be shelved at this enterprise. */
    forbid: z.array(AlarmType).default([]),
    maxMinutes: Minutes.default(480),
  }).default({ forbid: [], maxMinutes: 480 }),
  routes: z.array(Route).default([]),
});
export type EnterpriseAlerting = z.output<typeof EnterpriseAlerting>;

/** An enterprise without an `alerting` section: the default times, no routes. */
export const DEFAULT_ENTERPRISE_ALERTING: EnterpriseAlerting = {
  escalation: { t1Minutes: 5, t2Minutes: 15 },
  reminderMinutes: 10,
  shelving: { forbid: [], maxMinutes: 480 },
  routes: [],
};

type AlertingIssue = { path: (string | number)[]; message: string };

/**
 * Cross-references of the alerting sections: channel ids unique, every channel a route, fallback or
 * regulator names exists, route workshops and lines exist in their enterprise, T2 after T1.
 */
export function alertingIssues(
  site: SiteAlerting | undefined,
  enterprises: readonly { index: number; alerting: EnterpriseAlerting | undefined; workshops: readonly string[]; lines: readonly string[] }[],
): AlertingIssue[] {
  const issues: AlertingIssue[] = [];
  const channels = new Set<string>();
  site?.channels.forEach((c, i) => {
    if (channels.has(c.id)) issues.push({ path: ['alerting', 'channels', i, 'id'], message: `duplicate channel id "${c.id}"` });
    channels.add(c.id);
  });
  const known = (id: string, path: (string | number)[]) => {
    if (!channels.has(id)) {
      const list = [...channels].map((c) => `"${c}"`).join(', ');
      issues.push({ path, message: `names channel "${id}", which alerting.channels does not define${list ? ` (defined: ${list})` : ''}` });
    }
  };
  const regulators = new Set<string>();
  site?.regulators.forEach((r, i) => {
    if (regulators.has(r.id)) issues.push({ path: ['alerting', 'regulators', i, 'id'], message: `duplicate regulator id "${r.id}"` });
    regulators.add(r.id);
    r.channels.forEach((c, j) => known(c, ['alerting', 'regulators', i, 'channels', j]));
  });
  for (const e of enterprises) {
    const a = e.alerting;
    if (!a) continue;
    const base = ['enterprises', e.index, 'alerting'];
    if (a.escalation.t2Minutes <= a.escalation.t1Minutes) {
      issues.push({ path: [...base, 'escalation', 't2Minutes'], message: `must be after t1Minutes (${a.escalation.t1Minutes})` });
    }
    const ws = new Set(e.workshops);
    const ls = new Set(e.lines);
    a.routes.forEach((r, i) => {
      r.channels.forEach((c, j) => known(c, [...base, 'routes', i, 'channels', j]));
      if (r.fallback !== undefined) {
        known(r.fallback, [...base, 'routes', i, 'fallback']);
        if (r.channels.includes(r.fallback)) issues.push({ path: [...base, 'routes', i, 'fallback'], message: 'must differ from the route\'s own channels' });
      }
      r.workshops?.forEach((w, j) => {
        if (!ws.has(w)) issues.push({ path: [...base, 'routes', i, 'workshops', j], message: `names workshop "${w}", which this enterprise does not have` });
      });
      r.lines?.forEach((l, j) => {
        if (!ls.has(l)) issues.push({ path: [...base, 'routes', i, 'lines', j], message: `names line "${l}", which this enterprise does not have` });
      });
    });
  }
  return issues;
}
