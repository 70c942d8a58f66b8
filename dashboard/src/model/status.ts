import type { ScopeStatus, WorkshopLive } from '@hazwatch/protocols';

/**
 * What a tile shows. The server's status, except that a workshop never heard from, or whose headcount
 * is unknown while the server still computes `normal` from the last known value, cannot be shown as
 * normal: unknown is never zero and never green (DESIGN: fail safe).
 */
export function tileStatus(w: WorkshopLive): ScopeStatus {
  if (w.status === 'unverifiable') return 'unverifiable';
  if (w.updatedAt === null) return 'unverifiable';
  if (w.headcount === null && w.status === 'normal') return 'unverifiable';
  return w.status;
}

/**
 * The tile as a whole: the worse of its staffing (tileStatus) and its explosive against 定量, so that a
 * 超量 is as red as a 超员, a 预警 as amber as 满员, and a workshop whose quantity cannot be read (its
 * scale silent, a 定量 set) is never green. `words`: what its badge says, worst first.
 */
export function tileAlert(w: WorkshopLive): { status: ScopeStatus; words: ('over' | 'qover' | 'full' | 'qwarning' | 'unverifiable' | 'normal')[] } {
  const staffing = tileStatus(w);
  const q = w.quantityStatus;
  const qUnknown = q === 'unverifiable' || (w.materialKg === null && w.quantityLimitKg !== null);
  const words: ('over' | 'qover' | 'full' | 'qwarning' | 'unverifiable' | 'normal')[] = [];
  if (staffing === 'over') words.push('over');
  if (q === 'over') words.push('qover');
  if (words.length > 0) return { status: 'over', words };
  if (staffing === 'unverifiable' || qUnknown) return { status: 'unverifiable', words: ['unverifiable'] };
  if (staffing === 'full') words.push('full');
  if (q === 'warning') words.push('qwarning');
  return words.length > 0 ? { status: 'full', words } : { status: 'normal', words: ['normal'] };
}

/** Persons on the tile: the current count, else the last known one (marked as such), else nothing. */
export function shownHeadcount(w: WorkshopLive): { value: number | null; lastKnown: boolean } {
  if (w.headcount !== null) return { value: w.headcount, lastKnown: false };
  return { value: w.lastKnownHeadcount, lastKnown: w.lastKnownHeadcount !== null };
}

/** 0..1 (may exceed 1) of a limit, for the fill bars; null where there is no limit or no value. */
export function fillRatio(value: number | null, limit: number | null): number | null {
  if (value === null || limit === null || limit <= 0) return null;
  return value / limit;
}
