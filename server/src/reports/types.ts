import type { AlarmLevel, AlarmReason, AlarmType } from '@hazwatch/protocols';
import type { LedgerHead } from './source.ts';

// A period report (issue 9) as data: the JSON the API returns, and what the HTML, PDF and CSV show.
// Times are RFC 3339 UTC; durations are minutes with one decimal; null where there is nothing to measure.

export type TypeLevelRow = {
  type: AlarmType;
  reason: AlarmReason | null;
  level: AlarmLevel;
  count: number;
  /** Of `count`, those cleared (their durations are measured) and those not cleared yet. */
  cleared: number;
  ongoing: number;
  totalMinutes: number;
  meanMinutes: number | null;
  maxMinutes: number | null;
};

export type HandlingRow = {
  /** An alarm type, or `all`. */
  type: AlarmType | 'all';
  count: number;
  acknowledged: number;
  meanAckMinutes: number | null;
  maxAckMinutes: number | null;
  closed: number;
  meanCloseMinutes: number | null;
  maxCloseMinutes: number | null;
};

export type BlindRow = { workshopId: string; name: string; gatewayId: string | null; offlineMinutes: number; sensorFaultMinutes: number };

export type ShelvingRow = { alarmId: string; type: AlarmType; reason: AlarmReason | null; subject: string; at: string; by: string | null; until: string | null; note: string | null };

export type LimitChangeRow = { revision: number; changedAt: string; changedBy: string; subject: string; field: string; from: string | number | null; to: string | number | null };

export type OpenRectificationRow = {
  alarmId: string;
  type: AlarmType;
  reason: AlarmReason | null;
  level: AlarmLevel;
  subject: string;
  raisedAt: string;
  clearedAt: string | null;
  /** At the end of the period (or now, for the current one): still active, or cleared and awaiting closure (闭环). */
  state: 'active' | 'awaiting-closure';
};

export type AlarmRow = {
  id: string;
  type: AlarmType;
  reason: AlarmReason | null;
  level: AlarmLevel;
  subject: string;
  value: number | null;
  peak: number | null;
  limit: number | null;
  raisedAt: string;
  clearedAt: string | null;
  durationMinutes: number | null;
  acknowledgedAt: string | null;
  ackMinutes: number | null;
  closedAt: string | null;
  closeMinutes: number | null;
  late: boolean;
  configRevision: number;
};

export type Summary = {
  alarms: number;
  warnings: number;
  alarmLevel: number;
  escalated: number;
  late: number;
  ongoing: number;
  acknowledged: number;
  closed: number;
  shelved: number;
  /** Workshop-minutes without a verifiable state: the sum of every workshop's offline minutes. */
  blindWorkshopMinutes: number;
  limitChanges: number;
  openRectifications: number;
};

export type EnterpriseSection = {
  enterprise: { id: string; name: string; region: string; timezone: string };
  from: string;
  to: string;
  /** The end of what the report covers: the period's end, or the moment it was built for the current period. */
  asOf: string;
  summary: Summary;
  byTypeLevel: TypeLevelRow[];
  handling: HandlingRow[];
  blind: BlindRow[];
  shelving: ShelvingRow[];
  limitChanges: LimitChangeRow[];
  openRectifications: OpenRectificationRow[];
  alarms: AlarmRow[];
};

export type Report = {
  format: 'hazwatch-report/1';
  kind: 'enterprise' | 'region';
  /** The enterprise id, or the administrative division code. */
  scope: string;
  title: string;
  period: { kind: 'month' | 'quarter' | 'year'; label: string };
  generatedAt: string;
  /** The alarm ledger the numbers stand on; null while the platform has no hash-chained ledger. */
  ledger: LedgerHead | null;
  /** Over every enterprise of the report. */
  summary: Summary;
  byTypeLevel: TypeLevelRow[];
  handling: HandlingRow[];
  enterprises: EnterpriseSection[];
  /** sha256 of the report's canonical JSON without this field. */
  digest: string;
};

/** The tables a report has, each one CSV. */
export const REPORT_TABLES = ['summary', 'by-type-level', 'handling', 'blind', 'shelving', 'limit-changes', 'open-rectifications', 'alarms'] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];
