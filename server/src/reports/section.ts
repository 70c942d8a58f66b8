import { AlarmType, iso, type AlarmRecord, type AlarmSubject, type Enterprise, type SiteConfig } from '@hazwatch/protocols';
import type { StoredAlarmEvent } from '../storage/alarm-store.ts';
import type { SiteRevision } from '../storage/config-store.ts';
import { coveredMs, meanMax, minutes, type Interval } from './intervals.ts';
import { limitChanges } from './limits.ts';
import type { AlarmRow, BlindRow, EnterpriseSection, HandlingRow, LimitChangeRow, OpenRectificationRow, ShelvingRow, Summary, TypeLevelRow } from './types.ts';

export type SectionInput = {
  enterprise: Enterprise;
  /** The period in epoch ms, and where the report stops looking (the period's end, or now). */
  start: number;
  end: number;
  asOf: number;
  /** Every alarm record of the enterprise. */
  alarms: readonly AlarmRecord[];
  /** Events of the alarms that may have been handled in the period. */
  events: ReadonlyMap<string, readonly StoredAlarmEvent[]>;
  /** Revisions accepted in the period, each with the one before it. */
  revisions: readonly { rev: SiteRevision; prev: SiteRevision | undefined }[];
  /** The site of a revision (an alarm's `configRevision`), for which workshops a gateway served. */
  siteAt: (revision: number) => SiteConfig | undefined;
};

const ms = (t: string) => Date.parse(t);
const TYPE_ORDER = new Map(AlarmType.options.map((t, i) => [t, i]));
const LEVEL_ORDER = { warning: 0, alarm: 1 } as const;

export function subjectText(s: AlarmSubject): string {
  return [s.workshopId, s.lineId, s.gatewayId, s.personId, s.product].filter((x) => x !== undefined).join(' · ');
}

/** Alarms raised in [start, end): what a period's counts are made of (the same filter a reader applies to the alarm API). */
export function raisedWithin(alarms: readonly AlarmRecord[], start: number, end: number): AlarmRecord[] {
  return alarms.filter((a) => ms(a.raisedAt) >= start && ms(a.raisedAt) < end).sort((a, b) => ms(a.raisedAt) - ms(b.raisedAt) || a.id.localeCompare(b.id));
}

// An alarm lasts from raising to clearing; nobody can act on it before the platform found it, so
// time to acknowledge and to close run from detection (`detectedAt`, later than `raisedAt` for a late
// alarm), as the alarm statistics count them. Each as recorded, also when it came after the period;
// an alarm not cleared yet counts as ongoing and has no duration.
const duration = (a: AlarmRecord) => (a.clearedAt ? ms(a.clearedAt) - ms(a.raisedAt) : undefined);
const ackTime = (a: AlarmRecord) => (a.acknowledgedAt ? Math.max(0, ms(a.acknowledgedAt) - ms(a.detectedAt)) : undefined);
const closeTime = (a: AlarmRecord) => (a.closedAt ? Math.max(0, ms(a.closedAt) - ms(a.detectedAt)) : undefined);
const defined = <T>(xs: (T | undefined)[]) => xs.filter((x): x is T => x !== undefined);

export function typeLevelRows(inPeriod: readonly AlarmRecord[]): TypeLevelRow[] {
  const groups = new Map<string, AlarmRecord[]>();
  for (const a of inPeriod) {
    const k = `${a.type}|${a.reason ?? ''}|${a.level}`;
    groups.set(k, [...(groups.get(k) ?? []), a]);
  }
  return [...groups.values()]
    .map((as) => {
      const first = as[0]!;
      const durations = defined(as.map(duration));
      const mm = meanMax(durations);
      return {
        type: first.type,
        reason: first.reason,
        level: first.level,
        count: as.length,
        cleared: durations.length,
        ongoing: as.length - durations.length,
        totalMinutes: minutes(durations.reduce((s, d) => s + d, 0)),
        meanMinutes: mm.mean,
        maxMinutes: mm.max,
      };
    })
    .sort((a, b) => TYPE_ORDER.get(a.type)! - TYPE_ORDER.get(b.type)! || (a.reason ?? '').localeCompare(b.reason ?? '') || LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
}

export function handlingRows(inPeriod: readonly AlarmRecord[]): HandlingRow[] {
  const row = (type: HandlingRow['type'], as: readonly AlarmRecord[]): HandlingRow => {
    const acks = defined(as.map(ackTime));
    const closes = defined(as.map(closeTime));
    const a = meanMax(acks);
    const c = meanMax(closes);
    return { type, count: as.length, acknowledged: acks.length, meanAckMinutes: a.mean, maxAckMinutes: a.max, closed: closes.length, meanCloseMinutes: c.mean, maxCloseMinutes: c.max };
  };
  const types = [...new Set(inPeriod.map((a) => a.type))].sort((a, b) => TYPE_ORDER.get(a)! - TYPE_ORDER.get(b)!);
  return [...types.map((t) => row(t, inPeriod.filter((a) => a.type === t))), row('all', inPeriod)];
}

function blindRows(input: SectionInput): BlindRow[] {
  const e = input.enterprise;
  const offline = new Map<string, Interval[]>();
  const faults = new Map<string, Interval[]>();
  const add = (m: Map<string, Interval[]>, k: string, i: Interval) => m.set(k, [...(m.get(k) ?? []), i]);
  const names = new Map(e.workshops.map((w) => [w.id, w.name]));
  const gatewayOf = new Map(e.gateways.flatMap((g) => g.workshops.map((w) => [w, g.id] as const)));
  for (const a of input.alarms) {
    // Unverifiable from when the condition began until the alarm cleared (or until asOf).
    const i = { from: ms(a.since), to: a.clearedAt ? ms(a.clearedAt) : input.asOf };
    if (i.to <= input.start || i.from >= input.asOf) continue;
    if (a.type === 'gateway-offline' && a.subject.gatewayId !== undefined) {
      // The workshops the gateway served under the revision the alarm applied.
      const ent = (input.siteAt(a.configRevision) ?? { enterprises: [e] }).enterprises.find((x) => x.id === e.id) ?? e;
      for (const w of ent.gateways.find((g) => g.id === a.subject.gatewayId)?.workshops ?? []) {
        add(offline, w, i);
        if (!names.has(w)) names.set(w, ent.workshops.find((x) => x.id === w)?.name ?? w);
        if (!gatewayOf.has(w)) gatewayOf.set(w, a.subject.gatewayId);
      }
    } else if (a.type === 'sensor-fault' && a.subject.workshopId !== undefined) {
      add(faults, a.subject.workshopId, i);
      if (!names.has(a.subject.workshopId)) names.set(a.subject.workshopId, a.subject.workshopId);
    }
  }
  return [...names.entries()].map(([id, name]) => ({
    workshopId: id,
    name,
    gatewayId: gatewayOf.get(id) ?? null,
    offlineMinutes: minutes(coveredMs(offline.get(id) ?? [], input.start, input.asOf)),
    sensorFaultMinutes: minutes(coveredMs(faults.get(id) ?? [], input.start, input.asOf)),
  }));
}

// A `shelved` ledger event (issue 5) is a shelving (`detail.action: "shelved"`), its early end
// ("unshelved") or its expiry ("expired"); only the first is shelving used. Who and until when come
// from the event, else from the record it carries.
function shelvingRows(input: SectionInput): ShelvingRow[] {
  const rows: ShelvingRow[] = [];
  const text = (...vs: unknown[]) => (vs.find((v) => typeof v === 'string') as string | undefined) ?? null;
  for (const [alarmId, events] of input.events) {
    for (const ev of events) {
      const at = ms(ev.at);
      if (ev.kind !== 'shelved' || at < input.start || at >= input.end) continue;
      const e = ev as { by?: unknown; detail?: Record<string, unknown> | null };
      const detail = e.detail ?? {};
      if (detail.action !== undefined && detail.action !== 'shelved') continue;
      const rec = ev.alarm as AlarmRecord & Record<string, unknown>;
      rows.push({
        alarmId,
        type: rec.type,
        reason: rec.reason,
        subject: subjectText(rec.subject),
        at: iso(at),
        by: text(e.by, rec.shelvedBy),
        until: text(detail.until, rec.shelvedUntil),
        note: text(detail.reason, rec.shelveReason),
      });
    }
  }
  return rows.sort((a, b) => a.at.localeCompare(b.at));
}

function limitChangeRows(input: SectionInput): LimitChangeRow[] {
  return input.revisions.flatMap(({ rev, prev }) => {
    const after = rev.site.enterprises.find((x) => x.id === input.enterprise.id);
    // The first revision changes nothing: it is where the record starts.
    if (!after || !prev) return [];
    const before = prev.site.enterprises.find((x) => x.id === input.enterprise.id);
    return limitChanges(before, after).map((c) => ({ revision: rev.revision, changedAt: rev.changedAt, changedBy: rev.changedBy, ...c }));
  });
}

/** Alarms raised before the period ended that were not closed (闭环) by its end. */
function openRectificationRows(input: SectionInput): OpenRectificationRow[] {
  return input.alarms
    .filter((a) => ms(a.raisedAt) < input.end && !(a.closedAt && ms(a.closedAt) <= input.asOf))
    .sort((a, b) => ms(a.raisedAt) - ms(b.raisedAt) || a.id.localeCompare(b.id))
    .map((a) => ({
      alarmId: a.id,
      type: a.type,
      reason: a.reason,
      level: a.level,
      subject: subjectText(a.subject),
      raisedAt: a.raisedAt,
      clearedAt: a.clearedAt,
      state: a.clearedAt && ms(a.clearedAt) <= input.asOf ? 'awaiting-closure' : 'active',
    }));
}

export function alarmRows(inPeriod: readonly AlarmRecord[]): AlarmRow[] {
  const m = (d: number | undefined) => (d === undefined ? null : minutes(d));
  return inPeriod.map((a) => ({
    id: a.id,
    type: a.type,
    reason: a.reason,
    level: a.level,
    subject: subjectText(a.subject),
    value: a.value,
    peak: a.peak,
    limit: a.limit,
    raisedAt: a.raisedAt,
    clearedAt: a.clearedAt,
    durationMinutes: m(duration(a)),
    acknowledgedAt: a.acknowledgedAt ?? null,
    ackMinutes: m(ackTime(a)),
    closedAt: a.closedAt ?? null,
    closeMinutes: m(closeTime(a)),
    late: a.late,
    configRevision: a.configRevision,
  }));
}

export function summaryOf(inPeriod: readonly AlarmRecord[], parts: { shelved: number; blind: readonly BlindRow[]; limitChanges: number; openRectifications: number }): Summary {
  return {
    alarms: inPeriod.length,
    warnings: inPeriod.filter((a) => a.level === 'warning').length,
    alarmLevel: inPeriod.filter((a) => a.level === 'alarm').length,
    escalated: inPeriod.filter((a) => a.escalatedAt !== null).length,
    late: inPeriod.filter((a) => a.late).length,
    ongoing: inPeriod.filter((a) => a.clearedAt === null).length,
    acknowledged: inPeriod.filter((a) => a.acknowledgedAt).length,
    closed: inPeriod.filter((a) => a.closedAt).length,
    shelved: parts.shelved,
    blindWorkshopMinutes: Math.round(parts.blind.reduce((s, b) => s + b.offlineMinutes, 0) * 10) / 10,
    limitChanges: parts.limitChanges,
    openRectifications: parts.openRectifications,
  };
}

/** One enterprise's part of a report. Pure. */
export function enterpriseSection(input: SectionInput): EnterpriseSection {
  const e = input.enterprise;
  const inPeriod = raisedWithin(input.alarms, input.start, input.end);
  const blind = blindRows(input);
  const shelving = shelvingRows(input);
  const changes = limitChangeRows(input);
  const open = openRectificationRows(input);
  return {
    enterprise: { id: e.id, name: e.name, region: e.region, timezone: e.timezone },
    from: iso(input.start),
    to: iso(input.end),
    asOf: iso(input.asOf),
    summary: summaryOf(inPeriod, { shelved: shelving.length, blind, limitChanges: changes.length, openRectifications: open.length }),
    byTypeLevel: typeLevelRows(inPeriod),
    handling: handlingRows(inPeriod),
    blind,
    shelving,
    limitChanges: changes,
    openRectifications: open,
    alarms: alarmRows(inPeriod),
  };
}
