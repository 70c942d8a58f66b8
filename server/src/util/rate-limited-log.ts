import type { Logger } from 'pino';

/**
 * Logs at most one line per key per interval, with the number suppressed since the last one:
 * a gateway flooding bad batches must not flood the log too, yet every kind of problem shows.
 */
export function rateLimitedWarn(log: Logger, intervalMs = 10_000, now: () => number = Date.now) {
  const state = new Map<string, { last: number; suppressed: number }>();
  return (key: string, obj: Record<string, unknown>, msg: string): void => {
    const t = now();
    const s = state.get(key);
    if (s && t - s.last < intervalMs) {
      s.suppressed++;
      return;
    }
    log.warn({ ...obj, ...(s?.suppressed ? { suppressedSinceLast: s.suppressed } : {}) }, msg);
    state.set(key, { last: t, suppressed: 0 });
  };
}
