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
