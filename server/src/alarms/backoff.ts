/**
 * Delay before attempt `n + 1` after `n` failed ones: exponential from `baseMs`, capped at `maxMs`,
 * with "equal jitter" (half fixed, half random) so receivers that failed together are not hit
 * again all at the same instant, while no retry comes sooner than half its step.
 */
export function backoffMs(failedAttempts: number, baseMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
