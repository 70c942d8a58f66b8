import type { AlarmRecord } from '@hazwatch/protocols';

const COLUMNS: [string, (a: AlarmRecord) => unknown][] = [
  ['id', (a) => a.id],
  ['type', (a) => a.type],
  ['reason', (a) => a.reason],
  ['level', (a) => a.level],
  ['enterpriseId', (a) => a.enterpriseId],
  ['workshopId', (a) => a.subject.workshopId],
  ['lineId', (a) => a.subject.lineId],
  ['gatewayId', (a) => a.subject.gatewayId],
  ['personId', (a) => a.subject.personId],
  ['product', (a) => a.subject.product],
  ['channel', (a) => a.subject.channel],
  ['value', (a) => a.value],
  ['peak', (a) => a.peak],
  ['limit', (a) => a.limit],
  ['since', (a) => a.since],
  ['raisedAt', (a) => a.raisedAt],
  ['escalatedAt', (a) => a.escalatedAt],
  ['clearedAt', (a) => a.clearedAt],
  ['clearReason', (a) => a.clearReason],
  ['detectedAt', (a) => a.detectedAt],
  ['late', (a) => a.late],
  ['configRevision', (a) => a.configRevision],
  ['escalationTier', (a) => a.escalationTier ?? 0],
  ['acknowledgedAt', (a) => a.acknowledgedAt],
  ['acknowledgedBy', (a) => a.acknowledgedBy],
  ['assignedTo', (a) => a.assignedTo],
  ['closedAt', (a) => a.closedAt],
  ['closedBy', (a) => a.closedBy],
  ['rectification', (a) => a.rectification],
  ['comments', (a) => (a.comments ?? []).map((c) => `${c.at} ${c.by}: ${c.text}`).join('\n')],
];

/**
 * One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
 * the start) gets a leading apostrophe: rectification notes and comments are typed by people.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = `${COLUMNS.map(([k]) => k).join(',')}\r\n`;

export function csvRow(a: AlarmRecord): string {
  return `${COLUMNS.map(([, get]) => csvField(get(a))).join(',')}\r\n`;
}
