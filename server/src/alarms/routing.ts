import { DEFAULT_ENTERPRISE_ALERTING, TIER_NUMBER, type AlarmRecord, type Enterprise, type NotifyOn, type Route, type SiteConfig } from '@hazwatch/protocols';
import type { LedgerEvent } from '../storage/alarm-store.ts';
import type { NotificationDraft, NotificationReason } from './outbox.ts';

/** 四超: the alarms a regulator hears of when they go unacknowledged past T2. */
export const FOUR_OVERS: ReadonlySet<string> = new Set(['over-staffing', 'over-quantity', 'over-time', 'over-production']);

const DUTY_ON: readonly NotifyOn[] = ['raised', 'escalated', 'cleared', 'closed', 'reminder'];
const HIGHER_ON: readonly NotifyOn[] = ['raised', 'escalated', 'acknowledged', 'cleared', 'closed', 'reminder'];

export function alertingOf(ent: Enterprise | undefined) {
  return ent?.alerting ?? DEFAULT_ENTERPRISE_ALERTING;
}

export function isShelved(a: AlarmRecord, now: number): boolean {
  return a.shelvedUntil != null && Date.parse(a.shelvedUntil) > now;
}

function matches(route: Route, a: AlarmRecord, ent: Enterprise): boolean {
  if (route.types && !route.types.includes(a.type)) return false;
  if (route.levels && !route.levels.includes(a.level)) return false;
  const ws = a.subject.workshopId;
  if (route.workshops && (ws === undefined || !route.workshops.includes(ws))) return false;
  if (route.lines) {
    // A workshop's alarm belongs to the lines the workshop serves.
    const lines = new Set<string>();
    if (a.subject.lineId) lines.add(a.subject.lineId);
    if (ws) for (const l of ent.workshops.find((w) => w.id === ws)?.lines ?? []) lines.add(l);
    if (!route.lines.some((l) => lines.has(l))) return false;
  }
  return true;
}

/** The regulators of an enterprise's region: those whose region code is the longest prefix of it. */
export function regulatorsOf(site: SiteConfig, ent: Enterprise) {
  const candidates = (site.alerting?.regulators ?? []).filter((r) => ent.region.startsWith(r.region));
  const best = Math.max(0, ...candidates.map((r) => r.region.length));
  return candidates.filter((r) => r.region.length === best);
}

type Target = { channel: string; fallback: string | null; route: string };

/**
 * The channels an alarm's transition goes to. `tier`: only the routes of exactly that tier (the
 * escalation that reached them); otherwise every route whose tier the alarm has reached.
 */
function targets(site: SiteConfig, a: AlarmRecord, on: NotifyOn, tier?: number): Target[] {
  const ent = site.enterprises.find((e) => e.id === a.enterpriseId);
  if (!ent) return [];
  const reached = a.escalationTier ?? 0;
  const out: Target[] = [];
  alertingOf(ent).routes.forEach((r, i) => {
    const t = TIER_NUMBER[r.tier];
    if (tier !== undefined ? t !== tier : t > reached) return;
    if (!(r.on ?? (t === 0 ? DUTY_ON : HIGHER_ON)).includes(on)) return;
    if (!matches(r, a, ent)) return;
    for (const c of r.channels) out.push({ channel: c, fallback: r.fallback ?? null, route: `${ent.id}.routes[${i}]` });
  });
  // The regulator hears of a four-over (at level alarm) left unacknowledged past T2, and of its closing (闭环).
  const regulator = FOUR_OVERS.has(a.type) && a.level === 'alarm' && (tier === 2 || (tier === undefined && reached >= 2 && on === 'closed'));
  if (regulator) {
    for (const r of regulatorsOf(site, ent)) for (const c of r.channels) out.push({ channel: c, fallback: null, route: `regulator ${r.id}` });
  }
  // A channel is never told of its own failure: that message would fail too.
  return out.filter((t) => t.channel !== a.subject.channel);
}

const EVENT_ON: Partial<Record<LedgerEvent['kind'], NotifyOn>> = {
  raised: 'raised',
  escalated: 'escalated',
  acknowledged: 'acknowledged',
  cleared: 'cleared',
  closed: 'closed',
};

function drafts(site: SiteConfig, a: AlarmRecord, list: Target[], base: { dedupe: string; eventSeq: number | null; reason: NotificationReason }, now: number): NotificationDraft[] {
  const groupMs = (site.alerting?.delivery.groupSeconds ?? 5) * 1000;
  const seen = new Set<string>();
  const out: NotificationDraft[] = [];
  for (const t of list) {
    // One notification per transition and channel, however many routes name the channel.
    if (seen.has(t.channel)) continue;
    seen.add(t.channel);
    out.push({
      dedupe: `${base.dedupe}:${t.channel}`,
      alarmId: a.id,
      enterpriseId: a.enterpriseId,
      eventSeq: base.eventSeq,
      reason: base.reason,
      channel: t.channel,
      fallback: t.fallback,
      route: t.route,
      createdAt: now,
      dueAt: now + groupMs,
      alarm: a,
    });
  }
  return out;
}

/** The notifications one ledger event calls for (none while the alarm is shelved). */
export function planEvent(site: SiteConfig, ev: LedgerEvent, now: number): NotificationDraft[] {
  const on = EVENT_ON[ev.kind];
  if (!on || isShelved(ev.alarm, now)) return [];
  const tier = typeof ev.detail?.tier === 'number' ? ev.detail.tier : undefined;
  const reason: NotificationReason = tier !== undefined ? 'tier' : on;
  return drafts(site, ev.alarm, targets(site, ev.alarm, on, tier), { dedupe: `event:${ev.seq}`, eventSeq: ev.seq, reason }, now);
}

/** A reminder of an unacknowledged alarm, to every tier it has reached. */
export function planReminder(site: SiteConfig, a: AlarmRecord, now: number): NotificationDraft[] {
  if (isShelved(a, now)) return [];
  return drafts(site, a, targets(site, a, 'reminder'), { dedupe: `reminder:${a.id}:${now}`, eventSeq: null, reason: 'reminder' }, now);
}
