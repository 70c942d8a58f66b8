import type { AlarmRecord } from '@hazwatch/protocols';

/** Where an alarm stands in its handling (闭环): the order people work through it. */
export type AlarmState = 'active' | 'acknowledged' | 'cleared' | 'closed';

export function alarmState(a: Pick<AlarmRecord, 'clearedAt' | 'closedAt' | 'acknowledgedAt'>): AlarmState {
  if (a.closedAt) return 'closed';
  if (a.clearedAt) return 'cleared';
  if (a.acknowledgedAt) return 'acknowledged';
  return 'active';
}

/** Newer version of a record wins (a list fetched on navigation, then pushes over socket.io). */
export function mergeAlarms(listed: readonly AlarmRecord[], live: Iterable<AlarmRecord>, keep: (a: AlarmRecord) => boolean): AlarmRecord[] {
  const byId = new Map(listed.map((a) => [a.id, a]));
  for (const a of live) if (keep(a)) byId.set(a.id, a);
  return [...byId.values()].sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt) || (a.id < b.id ? -1 : 1));
}

/** `byDay` (local dates YYYY-MM-DD) summed per month, in order: the regulator's monthly chart. */
export function byMonth(byDay: Record<string, number>): [string, number][] {
  const out = new Map<string, number>();
  for (const [day, n] of Object.entries(byDay)) out.set(day.slice(0, 7), (out.get(day.slice(0, 7)) ?? 0) + n);
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
