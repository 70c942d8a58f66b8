// Boundary checks of the HTTP answers the enterprise, regulator and detail views read (same approach
// as live/guards.ts: every field the UI reads, extra fields accepted, the first bad path named).
import type { AlarmDurations, AlarmRecord, AlarmStatistics } from '@hazwatch/protocols';
import { array, checkAlarm, nullable, num, obj, optionalNull, record, str, time, type Check } from '../live/guards.ts';

export type AlarmEventView = { seq: number; kind: string; at: string; by: string | null; detail: Record<string, unknown> | null };
export type Delivery = {
  key: string;
  channel: string;
  state: string;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
  lastError: string | null;
  reasons: string[];
};
export type AlarmDetail = { alarm: AlarmRecord; events: AlarmEventView[]; deliveries: Delivery[] };

export const checkAlarmDetail: Check<AlarmDetail> = (x, p) => {
  const o = obj(x, p);
  return {
    alarm: checkAlarm(o.alarm, `${p}.alarm`),
    events: array((v, q) => {
      const e = obj(v, q);
      return {
        seq: num(e.seq, `${q}.seq`),
        kind: str(e.kind, `${q}.kind`),
        at: time(e.at, `${q}.at`),
        by: optionalNull(str)(e.by, `${q}.by`),
        detail: e.detail === null || e.detail === undefined ? null : obj(e.detail, `${q}.detail`),
      };
    })(o.events, `${p}.events`),
    deliveries: array((v, q) => {
      const d = obj(v, q);
      return {
        key: str(d.key, `${q}.key`),
        channel: str(d.channel, `${q}.channel`),
        state: str(d.state, `${q}.state`),
        attempts: num(d.attempts, `${q}.attempts`),
        createdAt: time(d.createdAt, `${q}.createdAt`),
        finishedAt: optionalNull(time)(d.finishedAt, `${q}.finishedAt`),
        lastError: optionalNull(str)(d.lastError, `${q}.lastError`),
        reasons: d.reasons === undefined ? [] : array(str)(d.reasons, `${q}.reasons`),
      };
    })(o.deliveries ?? [], `${p}.deliveries`),
  };
};

export type Durations = AlarmDurations;
/** What the statistics view reads of protocols' AlarmStatistics (the server's answer). */
export type AlarmStats = Pick<AlarmStatistics, 'total' | 'byType' | 'byEnterprise' | 'byDay' | 'byLevel' | 'timeToAcknowledge' | 'timeToClose' | 'closed'>;

const checkDurations: Check<Durations> = (x, p) => {
  const o = obj(x, p);
  const n = (k: string) => nullable(num)(o[k] ?? null, `${p}.${k}`);
  return { count: num(o.count, `${p}.count`), meanSeconds: n('meanSeconds'), medianSeconds: n('medianSeconds'), p90Seconds: n('p90Seconds'), maxSeconds: n('maxSeconds') };
};

export const checkStats: Check<AlarmStats> = (x, p) => {
  const o = obj(x, p);
  const counts = (k: string) => (o[k] === undefined ? {} : record(num)(o[k], `${p}.${k}`));
  return {
    total: num(o.total, `${p}.total`),
    byType: counts('byType'),
    byEnterprise: counts('byEnterprise'),
    byDay: counts('byDay'),
    byLevel: counts('byLevel'),
    timeToAcknowledge: checkDurations(o.timeToAcknowledge, `${p}.timeToAcknowledge`),
    timeToClose: checkDurations(o.timeToClose, `${p}.timeToClose`),
    closed: o.closed === undefined ? 0 : num(o.closed, `${p}.closed`),
  };
};

export type Finding = { rule: string; severity: string; subject: Record<string, string>; value: number | string | null; limit: number | string | null; message: string };
export type AuditView = { revision: number | null; regulation: string; auditedAt: string; profile: { id: string; title: string } | null; counts: Record<string, number>; findings: Finding[]; error: string | null };

const scalar: Check<number | string | null> = (x, p) => (x === null || x === undefined ? null : typeof x === 'number' ? num(x, p) : str(x, p));

export const checkAudit: Check<AuditView> = (x, p) => {
  const o = obj(x, p);
  const prof = o.profile === null || o.profile === undefined ? null : obj(o.profile, `${p}.profile`);
  return {
    revision: optionalNull(num)(o.revision, `${p}.revision`),
    regulation: str(o.regulation, `${p}.regulation`),
    auditedAt: time(o.auditedAt, `${p}.auditedAt`),
    profile: prof ? { id: str(prof.id, `${p}.profile.id`), title: str(prof.title, `${p}.profile.title`) } : null,
    counts: record(num)(o.counts, `${p}.counts`),
    findings: array((v, q) => {
      const f = obj(v, q);
      return {
        rule: str(f.rule, `${q}.rule`),
        severity: str(f.severity, `${q}.severity`),
        subject: record(str)(f.subject, `${q}.subject`),
        value: scalar(f.value, `${q}.value`),
        limit: scalar(f.limit, `${q}.limit`),
        message: str(f.message, `${q}.message`),
      };
    })(o.findings, `${p}.findings`),
    error: optionalNull(str)(o.error, `${p}.error`),
  };
};

export type RevisionSummary = { revision: number; source: string; changedBy: string; changedAt: string };
export const checkRevisions: Check<RevisionSummary[]> = array((v, q) => {
  const r = obj(v, q);
  return { revision: num(r.revision, `${q}.revision`), source: str(r.source, `${q}.source`), changedBy: str(r.changedBy, `${q}.changedBy`), changedAt: time(r.changedAt, `${q}.changedAt`) };
});
export const checkRevisionText: Check<RevisionSummary & { text: string }> = (x, p) => {
  const r = obj(x, p);
  return { ...checkRevisions([x], p)[0]!, text: str(r.text, `${p}.text`) };
};

/** The parts of the site configuration the views read: enterprises, their regions, lines, workshops, gateways. */
export type SiteEnterprise = {
  id: string;
  name: string;
  region: string;
  lines: { id: string; name: string }[];
  workshops: { id: string; name: string; lines: string[] }[];
  gateways: { id: string; workshops: string[]; lines: string[] }[];
};
export const checkSite: Check<{ revision: number; enterprises: SiteEnterprise[] }> = (x, p) => {
  const o = obj(x, p);
  const site = obj(o.site, `${p}.site`);
  const named = (v: unknown, r: string) => {
    const e = obj(v, r);
    return { id: str(e.id, `${r}.id`), name: str(e.name, `${r}.name`) };
  };
  return {
    revision: num(o.revision, `${p}.revision`),
    enterprises: array((v, q) => {
      const e = obj(v, q);
      return {
        id: str(e.id, `${q}.id`),
        name: str(e.name, `${q}.name`),
        region: str(e.region, `${q}.region`),
        lines: array(named)(e.lines ?? [], `${q}.lines`),
        workshops: array((w, r) => ({ ...named(w, r), lines: array(str)(obj(w, r).lines ?? [], `${r}.lines`) }))(e.workshops ?? [], `${q}.workshops`),
        gateways: array((g, r) => {
          const gw = obj(g, r);
          return { id: str(gw.id, `${r}.id`), workshops: array(str)(gw.workshops ?? [], `${r}.workshops`), lines: array(str)(gw.lines ?? [], `${r}.lines`) };
        })(e.gateways ?? [], `${q}.gateways`),
      };
    })(site.enterprises, `${p}.site.enterprises`),
  };
};

export type Bucket = { start: string; max: number; last: number };
export const checkBuckets: Check<Bucket[]> = (x, p) => {
  const o = obj(x, p);
  return array((v, q) => {
    const b = obj(v, q);
    return { start: time(b.start, `${q}.start`), max: num(b.max, `${q}.max`), last: num(b.last, `${q}.last`) };
  })(o.buckets ?? [], `${p}.buckets`);
};
