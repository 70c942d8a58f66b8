import type { AlarmRecord, Enterprise } from '@hazwatch/protocols';
import { verifyLedger } from '../alarms/chain.ts';
import type { StoredAlarmEvent } from '../storage/alarm-store.ts';
import { reportDigest } from './assemble.ts';
import { canonicalJson } from './digest.ts';
import { enterpriseSection } from './section.ts';
import type { EnterpriseSection, Report } from './types.ts';

export type ReportCheck = {
  ok: boolean;
  /** What was checked and held. */
  checked: string[];
  /** What did not hold; empty when `ok`. */
  problems: string[];
};

// The parts of a section that stand on the alarm ledger alone. Unverifiable minutes and limit changes
// also need the configuration revisions (which workshops a gateway served, what the limits were).
const FROM_LEDGER = ['byTypeLevel', 'handling', 'alarms', 'shelving', 'openRectifications'] as const;
const SUMMARY_FROM_LEDGER = ['alarms', 'warnings', 'alarmLevel', 'escalated', 'late', 'ongoing', 'acknowledged', 'closed', 'shelved', 'openRectifications'] as const;

/**
 * Checks a report against an exported ledger, offline (issue 9: verifiable exports): the report is
 * unchanged (its digest), the ledger is intact (its hash chain), the ledger holds the event the report
 * names as its head, and the report's alarm numbers are what the ledger up to that event gives.
 */
export function verifyReport(report: Report, ledgerText: string): ReportCheck {
  const checked: string[] = [];
  const problems: string[] = [];
  if (reportDigest(report) === report.digest) checked.push(`the report is unchanged (digest ${report.digest})`);
  else problems.push('the report does not match its digest: it was changed after it was made');
  if (!report.ledger) {
    problems.push('the report names no ledger head: it was made without a hash-chained ledger and cannot be checked against one');
    return { ok: false, checked, problems };
  }
  const chain = verifyLedger(ledgerText);
  if (!chain.ok) {
    problems.push(`the ledger is not intact: line ${chain.line}${chain.seq !== null ? ` (seq ${chain.seq})` : ''} ${chain.reason}`);
    return { ok: false, checked, problems };
  }
  checked.push(`the ledger is intact (${chain.events} events)`);

  const head = report.ledger;
  const records = new Map<string, AlarmRecord>();
  const events = new Map<string, StoredAlarmEvent[]>();
  let found: string | undefined;
  for (const line of ledgerText.split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as StoredAlarmEvent & { seq: number; hash: string; alarmId: string };
    if (e.seq > head.seq) break;
    records.set(e.alarmId, e.alarm);
    events.set(e.alarmId, [...(events.get(e.alarmId) ?? []), e]);
    if (e.seq === head.seq) found = e.hash;
  }
  if (found === undefined) {
    problems.push(`the ledger has no event ${head.seq}, the report's head: the ledger was exported before the report was made`);
    return { ok: false, checked, problems };
  }
  if (found !== head.hash) {
    problems.push(`event ${head.seq} of the ledger has hash ${found}, not the report's ${head.hash}: the report was made from another ledger`);
    return { ok: false, checked, problems };
  }
  checked.push(`the ledger holds the report's head, event ${head.seq} with hash ${head.hash}`);

  for (const s of report.enterprises) {
    const mine = [...records.values()].filter((a) => a.enterpriseId === s.enterprise.id);
    const again = rebuild(s, mine, events);
    const differ = [
      ...FROM_LEDGER.filter((k) => canonicalJson(again[k]) !== canonicalJson(s[k])),
      ...SUMMARY_FROM_LEDGER.filter((k) => again.summary[k] !== s.summary[k]).map((k) => `summary.${k}`),
    ];
    if (differ.length > 0) problems.push(`enterprise ${s.enterprise.id}: ${differ.join(', ')} differ from the ledger up to event ${head.seq}`);
    else checked.push(`enterprise ${s.enterprise.id}: ${FROM_LEDGER.join(', ')} and the alarm counts are the ledger's up to event ${head.seq}`);
  }
  return { ok: problems.length === 0, checked, problems };
}

function rebuild(s: EnterpriseSection, alarms: AlarmRecord[], events: Map<string, StoredAlarmEvent[]>): EnterpriseSection {
  // The configuration is not part of the ledger: only the ledger-based parts of this are compared.
  const enterprise = { ...s.enterprise, lines: [], workshops: [], gateways: [], equipment: [] } as unknown as Enterprise;
  return enterpriseSection({ enterprise, start: Date.parse(s.from), end: Date.parse(s.to), asOf: Date.parse(s.asOf), alarms, events, revisions: [], siteAt: () => undefined });
}
