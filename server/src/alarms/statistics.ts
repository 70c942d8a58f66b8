// The answer's shape is protocols' AlarmStatistics (the contract the route and the dashboard share).
import type { AlarmDurations as Durations, AlarmRecord, AlarmStatistics, SiteConfig } from '@hazwatch/protocols';

function durations(seconds: number[]): Durations {
  if (seconds.length === 0) return { count: 0, meanSeconds: null, medianSeconds: null, p90Seconds: null, maxSeconds: null };
  const s = [...seconds].sort((a, b) => a - b);
  // Nearest-rank percentiles: always a value that occurred.
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    count: s.length,
    meanSeconds: round(s.reduce((a, b) => a + b, 0) / s.length),
    medianSeconds: round(rank(0.5)),
    p90Seconds: round(rank(0.9)),
    maxSeconds: round(s[s.length - 1]!),
  };
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
function localDate(isoTime: string, timeZone: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, f);
  }
  return f.format(new Date(isoTime));
}

const inc = (m: Record<string, number>, k: string, by = 1) => {
  m[k] = (m[k] ?? 0) + by;
};

/**
 * Statistics over alarm records: counts by type, enterprise, level and local day; time to
 * acknowledge and to close; unverifiable minutes (gateway outages clipped to the range, an outage
 * still running counting up to `now`).
 */
export function alarmStatistics(records: readonly AlarmRecord[], site: SiteConfig, range: { from?: number; to?: number; now: number }): AlarmStatistics {
  const zone = new Map(site.enterprises.map((e) => [e.id, e.timezone]));
  const from = range.from ?? -Infinity;
  const to = range.to ?? Infinity;
  const out: AlarmStatistics = {
    from: range.from !== undefined ? new Date(range.from).toISOString() : null,
    to: range.to !== undefined ? new Date(range.to).toISOString() : null,
    total: 0,
    byType: {},
    byEnterprise: {},
    byDay: {},
    byLevel: {},
    timeToAcknowledge: durations([]),
    timeToClose: durations([]),
    closed: 0,
    unverifiableMinutes: { total: 0, byEnterprise: {} },
  };
  const ack: number[] = [];
  const close: number[] = [];
  for (const a of records) {
    const raised = Date.parse(a.raisedAt);
    if (a.type === 'gateway-offline') {
      const start = Math.max(Date.parse(a.since), from);
      const end = Math.min(a.clearedAt ? Date.parse(a.clearedAt) : range.now, to, range.now);
      if (end > start) {
        const minutes = (end - start) / 60_000;
        out.unverifiableMinutes.total += minutes;
        inc(out.unverifiableMinutes.byEnterprise, a.enterpriseId, minutes);
      }
    }
    if (raised < from || raised >= to) continue;
    out.total++;
    inc(out.byType, a.type);
    inc(out.byEnterprise, a.enterpriseId);
    inc(out.byLevel, a.level);
    inc(out.byDay, localDate(a.raisedAt, zone.get(a.enterpriseId) ?? 'Asia/Shanghai'));
    const detected = Date.parse(a.detectedAt);
    if (a.acknowledgedAt) ack.push(Math.max(0, Date.parse(a.acknowledgedAt) - detected) / 1000);
    if (a.closedAt) {
      out.closed++;
      close.push(Math.max(0, Date.parse(a.closedAt) - detected) / 1000);
    }
  }
  out.timeToAcknowledge = durations(ack);
  out.timeToClose = durations(close);
  const round = (x: number) => Math.round(x * 100) / 100;
  out.unverifiableMinutes.total = round(out.unverifiableMinutes.total);
  for (const k of Object.keys(out.unverifiableMinutes.byEnterprise)) out.unverifiableMinutes.byEnterprise[k] = round(out.unverifiableMinutes.byEnterprise[k]!);
  return out;
}
