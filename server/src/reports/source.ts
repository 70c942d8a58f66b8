import type { AlarmRecord } from '@hazwatch/protocols';
import type { AlarmStore, StoredAlarmEvent } from '../storage/alarm-store.ts';
import type { ConfigStore, SiteRevision, SiteRevisionSummary } from '../storage/config-store.ts';

/**
 * The head of the hash-chained alarm ledger (SPEC 5): the last event's position and hash. A report
 * carries the head it was built from, so a regulator can find that event in an exported ledger,
 * verify the chain up to it, and know which record the report's numbers stand on (issue 9).
 */
export type LedgerHead = { seq: number; hash: string };

/**
 * The one method reports need from the ledger. The alarm store gains it with the hash-chained ledger;
 * until then `ledgerHeadOf` finds none and reports say so (`ledger: null`).
 */
export interface LedgerHeadSource {
  ledgerHead(): Promise<LedgerHead | undefined>;
}

export function ledgerHeadOf(store: object): (() => Promise<LedgerHead | undefined>) | undefined {
  const s = store as Partial<LedgerHeadSource>;
  return typeof s.ledgerHead === 'function' ? () => s.ledgerHead!.call(store) : undefined;
}

/** What a report reads: alarm records and events, configuration revisions, the ledger head. */
export interface ReportSource {
  /** Every alarm record of an enterprise, in any state. */
  alarms(enterpriseId: string): Promise<AlarmRecord[]>;
  events(alarmId: string): Promise<StoredAlarmEvent[]>;
  revisions(): SiteRevisionSummary[];
  revision(n: number): SiteRevision | undefined;
  ledgerHead(): Promise<LedgerHead | undefined>;
}

// AlarmStore.list has no time filter yet: an enterprise's whole history is read and filtered here.
const ALL = 1_000_000;

export function reportSource(alarms: AlarmStore, configs: ConfigStore, ledgerHead?: () => Promise<LedgerHead | undefined>): ReportSource {
  return {
    alarms: (enterpriseId) => alarms.list({ state: 'all', enterpriseId, limit: ALL }),
    events: (alarmId) => alarms.events(alarmId),
    revisions: () => configs.list(),
    revision: (n) => configs.get(n),
    ledgerHead: ledgerHead ?? (async () => undefined),
  };
}
