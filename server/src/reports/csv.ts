import type { Report, ReportTable } from './types.ts';

type Cell = string | number | boolean | null;

// RFC 4180, UTF-8 with a byte-order mark so that spreadsheet programs read the Chinese names right.
// A text cell that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection).
function cell(v: Cell): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(rows: readonly Record<string, Cell>[], columns?: readonly string[]): string {
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const lines = [cols.map(cell).join(','), ...rows.map((r) => cols.map((c) => cell(r[c] ?? null)).join(','))];
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

const COLUMNS: Record<ReportTable, readonly string[]> = {
  summary: ['enterpriseId', 'alarms', 'warnings', 'alarmLevel', 'escalated', 'late', 'ongoing', 'acknowledged', 'closed', 'shelved', 'blindWorkshopMinutes', 'limitChanges', 'openRectifications'],
  'by-type-level': ['enterpriseId', 'type', 'reason', 'level', 'count', 'cleared', 'ongoing', 'totalMinutes', 'meanMinutes', 'maxMinutes'],
  handling: ['enterpriseId', 'type', 'count', 'acknowledged', 'meanAckMinutes', 'maxAckMinutes', 'closed', 'meanCloseMinutes', 'maxCloseMinutes'],
  blind: ['enterpriseId', 'workshopId', 'name', 'gatewayId', 'offlineMinutes', 'sensorFaultMinutes'],
  shelving: ['enterpriseId', 'alarmId', 'type', 'reason', 'subject', 'at', 'by', 'until', 'note'],
  'limit-changes': ['enterpriseId', 'revision', 'changedAt', 'changedBy', 'subject', 'field', 'from', 'to'],
  'open-rectifications': ['enterpriseId', 'alarmId', 'type', 'reason', 'level', 'subject', 'raisedAt', 'clearedAt', 'state'],
  alarms: ['enterpriseId', 'id', 'type', 'reason', 'level', 'subject', 'value', 'peak', 'limit', 'raisedAt', 'clearedAt', 'durationMinutes', 'acknowledgedAt', 'ackMinutes', 'closedAt', 'closeMinutes', 'late', 'configRevision'],
};

/**
 * One table of a report as CSV. Every row names its enterprise; the summary, by-type-level and
 * handling tables of a region report end with its totals (enterpriseId `*`).
 */
export function reportCsv(r: Report, t: ReportTable): string {
  const per = (pick: (s: Report['enterprises'][number]) => readonly object[]) =>
    r.enterprises.flatMap((s) => pick(s).map((row) => ({ enterpriseId: s.enterprise.id, ...row }) as Record<string, Cell>));
  const total = (rows: readonly object[]) => (r.kind === 'region' ? rows.map((row) => ({ enterpriseId: '*', ...row }) as Record<string, Cell>) : []);
  const rows: Record<string, Cell>[] = {
    summary: () => [...per((s) => [s.summary]), ...total([r.summary])],
    'by-type-level': () => [...per((s) => s.byTypeLevel), ...total(r.byTypeLevel)],
    handling: () => [...per((s) => s.handling), ...total(r.handling)],
    blind: () => per((s) => s.blind),
    shelving: () => per((s) => s.shelving),
    'limit-changes': () => per((s) => s.limitChanges),
    'open-rectifications': () => per((s) => s.openRectifications),
    alarms: () => per((s) => s.alarms),
  }[t]();
  return toCsv(rows, COLUMNS[t]);
}
