/** Half-open time intervals [from, to) in epoch ms. */
export type Interval = { from: number; to: number };

/** The intervals clipped to [start, end), overlaps merged, so covered time is counted once. */
export function unionWithin(intervals: readonly Interval[], start: number, end: number): Interval[] {
  const clipped = intervals
    .map((i) => ({ from: Math.max(i.from, start), to: Math.min(i.to, end) }))
    .filter((i) => i.to > i.from)
    .sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const i of clipped) {
    const last = out[out.length - 1];
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ ...i });
  }
  return out;
}

export function coveredMs(intervals: readonly Interval[], start: number, end: number): number {
  return unionWithin(intervals, start, end).reduce((s, i) => s + (i.to - i.from), 0);
}

/** Minutes, rounded to one decimal: the unit every duration of a report is shown in. */
export function minutes(ms: number): number {
  return Math.round(ms / 6_000) / 10;
}

/** Mean and maximum of durations in ms, as minutes; null when there are none. */
export function meanMax(durations: readonly number[]): { mean: number | null; max: number | null } {
  if (durations.length === 0) return { mean: null, max: null };
  return { mean: minutes(durations.reduce((s, d) => s + d, 0) / durations.length), max: minutes(Math.max(...durations)) };
}
