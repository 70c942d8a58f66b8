import { iso, type AlarmRecord, type Enterprise, type SiteConfig } from '@hazwatch/protocols';
import { inRegion } from '../audit/evaluate.ts';
import type { StoredAlarmEvent } from '../storage/alarm-store.ts';
import type { SiteRevision } from '../storage/config-store.ts';
import { canonicalJson, sha256Hex } from './digest.ts';
import { periodBounds, type Period } from './period.ts';
import { enterpriseSection, handlingRows, raisedWithin, summaryOf, typeLevelRows } from './section.ts';
import type { LedgerHead, ReportSource } from './source.ts';
import type { EnterpriseSection, Report } from './types.ts';

export type ReportScope = { kind: 'enterprise'; enterpriseId: string } | { kind: 'region'; region: string };

export class ReportScopeError extends Error {
  override name = 'ReportScopeError';
}

/** A read of the ledger changed under the report: it is built again, a bounded number of times. */
const ATTEMPTS = 5;

/**
 * Builds a period report from the alarm record and the configuration revisions (issue 9). The
 * enterprises are those of the running (latest) configuration. The ledger head is read before and
 * after the data; the report is kept only when both agree, so its numbers stand on exactly that head.
 */
export async function buildReport(source: ReportSource, scope: ReportScope, period: Period, now: number): Promise<Report> {
  const latest = source.revisions()[0];
  const site = latest && source.revision(latest.revision)?.site;
  if (!site) throw new ReportScopeError('no site configuration has been stored yet');
  const enterprises = site.enterprises.filter((e) => (scope.kind === 'enterprise' ? e.id === scope.enterpriseId : inRegion(e.region, scope.region)));
  if (enterprises.length === 0) {
    throw new ReportScopeError(scope.kind === 'enterprise' ? `no enterprise "${scope.enterpriseId}" in the running configuration` : `no enterprise in region ${scope.region}`);
  }

  for (let attempt = 1; ; attempt++) {
    const before = await source.ledgerHead();
    const sections: EnterpriseSection[] = [];
    const inPeriod: AlarmRecord[] = [];
    for (const e of enterprises) {
      const { section, raised } = await sectionOf(source, e, period, now);
      sections.push(section);
      inPeriod.push(...raised);
    }
    const after = await source.ledgerHead();
    if (sameHead(before, after) || attempt === ATTEMPTS) {
      return seal({
        format: 'hazwatch-report/1',
        kind: scope.kind,
        scope: scope.kind === 'enterprise' ? scope.enterpriseId : scope.region,
        title: scope.kind === 'enterprise' ? enterprises[0]!.name : `${scope.region} (${enterprises.length} enterprise(s))`,
        period: { kind: period.kind, label: period.label },
        generatedAt: iso(now),
        // After the last attempt the head still moved: the report then names none rather than a wrong one.
        ledger: sameHead(before, after) ? (after ?? null) : null,
        summary: summaryOf(inPeriod, {
          shelved: sum(sections, (s) => s.summary.shelved),
          blind: sections.flatMap((s) => s.blind),
          limitChanges: sum(sections, (s) => s.summary.limitChanges),
          openRectifications: sum(sections, (s) => s.summary.openRectifications),
        }),
        byTypeLevel: typeLevelRows(inPeriod),
        handling: handlingRows(inPeriod),
        enterprises: sections,
      });
    }
  }
}

async function sectionOf(source: ReportSource, e: Enterprise, period: Period, now: number) {
  const { start, end } = periodBounds(period, e.timezone);
  const asOf = Math.min(end, now);
  const alarms = (await source.alarms(e.id)).filter((a) => Date.parse(a.raisedAt) < end);
  // Handling events only matter for alarms still open at some point of the period.
  const events = new Map<string, StoredAlarmEvent[]>();
  for (const a of alarms) {
    if (a.closedAt && Date.parse(a.closedAt) < start) continue;
    events.set(a.id, await source.events(a.id));
  }
  const revisions: { rev: SiteRevision; prev: SiteRevision | undefined }[] = [];
  for (const s of source.revisions()) {
    const t = Date.parse(s.changedAt);
    if (t < start || t >= end) continue;
    const rev = source.revision(s.revision);
    if (rev) revisions.push({ rev, prev: source.revision(s.revision - 1) });
  }
  revisions.sort((a, b) => a.rev.revision - b.rev.revision);
  const sites = new Map<number, SiteConfig | undefined>();
  const siteAt = (n: number) => {
    if (!sites.has(n)) sites.set(n, source.revision(n)?.site);
    return sites.get(n);
  };
  const section = enterpriseSection({ enterprise: e, start, end, asOf, alarms, events, revisions, siteAt });
  return { section, raised: raisedWithin(alarms, start, end) };
}

function sameHead(a: LedgerHead | undefined, b: LedgerHead | undefined): boolean {
  return a?.seq === b?.seq && a?.hash === b?.hash;
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((s, x) => s + f(x), 0);
}

function seal(report: Omit<Report, 'digest'>): Report {
  return { ...report, digest: sha256Hex(canonicalJson(report)) };
}

/** Recomputes a report's digest: equal to `report.digest` when nothing in it was changed. */
export function reportDigest(report: Report): string {
  const { digest: _digest, ...rest } = report;
  return sha256Hex(canonicalJson(rest));
}
