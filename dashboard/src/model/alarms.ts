import type { AlarmRecord, LineLive, WorkshopLive } from '@hazwatch/protocols';
import type { StringKey } from '../i18n/strings.ts';
import { dictionaries } from '../i18n/strings.ts';

const LEVEL_RANK = { alarm: 0, warning: 1 } as const;
// Among alarms raised at the same moment: people and explosive first (the four overs), then lost monitoring.
const TYPE_RANK: Record<string, number> = {
  'over-staffing': 0,
  'over-quantity': 1,
  'over-time': 2,
  'over-production': 3,
  'gateway-offline': 4,
  'sensor-fault': 5,
};

/** Most severe first (报警 before 预警), then newest raised (or escalated) first, then by type and id for a stable order. */
export function sortAlarms(alarms: Iterable<AlarmRecord>): AlarmRecord[] {
  const moment = (a: AlarmRecord) => Date.parse(a.escalatedAt ?? a.raisedAt);
  const typeRank = (a: AlarmRecord) => TYPE_RANK[a.type] ?? 9;
  return [...alarms].sort(
    (a, b) =>
      LEVEL_RANK[a.level] - LEVEL_RANK[b.level] ||
      moment(b) - moment(a) ||
      typeRank(a) - typeRank(b) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** The dictionary key for an alarm type or reason, or null for one this page does not know yet. */
export function typeKey(type: string): StringKey | null {
  const k = `type.${type}`;
  return k in dictionaries.zh ? (k as StringKey) : null;
}
export function reasonKey(reason: string | null): StringKey | null {
  if (reason === null) return null;
  const k = `reason.${reason}`;
  return k in dictionaries.zh ? (k as StringKey) : null;
}

/** The unit of an alarm's value (SPEC 5: the rule's unit), or null where it has none to show. */
export function valueUnit(a: Pick<AlarmRecord, 'type' | 'reason'>): StringKey | null {
  switch (a.type) {
    case 'over-staffing':
      return 'unit.persons';
    case 'over-quantity':
      return 'unit.kg';
    case 'over-time':
      return a.reason === 'dwell' ? 'unit.minutes' : null;
    default:
      return null;
  }
}

export type SubjectPart = { key: StringKey; params: Record<string, string> };

/**
 * Whether the control room sounds again (main.tsx, every REMIND_MS): an 报警-level alarm still going
 * on that nobody has acknowledged nor shelved. One beep at its raise is easily missed by someone out of
 * the room; the sound goes on until someone takes it.
 */
export function needsReminder(alarms: Iterable<AlarmRecord>, now: number): boolean {
  for (const a of alarms) {
    if (a.level !== 'alarm' || a.clearedAt != null || a.closedAt != null || a.acknowledgedAt != null) continue;
    if (a.shelvedUntil != null && Date.parse(a.shelvedUntil) > now) continue;
    return true;
  }
  return false;
}

/** The subject as the operator reads it: names where the page knows them, ids otherwise. */
export function subjectParts(
  a: AlarmRecord,
  workshops: ReadonlyMap<string, WorkshopLive>,
  lines: ReadonlyMap<string, LineLive>,
): SubjectPart[] {
  const s = a.subject;
  const parts: SubjectPart[] = [];
  if (s.workshopId) parts.push({ key: 'subject.workshop', params: { name: workshops.get(`${a.enterpriseId}|${s.workshopId}`)?.name ?? s.workshopId } });
  if (s.lineId) parts.push({ key: 'subject.line', params: { name: lines.get(`${a.enterpriseId}|${s.lineId}`)?.name ?? s.lineId } });
  if (s.gatewayId) parts.push({ key: 'subject.gateway', params: { id: s.gatewayId } });
  if (s.personId) parts.push({ key: 'subject.person', params: { id: s.personId } });
  if (s.product) parts.push({ key: 'subject.product', params: { id: s.product } });
  return parts;
}
