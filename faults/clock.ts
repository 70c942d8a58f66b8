// Simulated time shared by processes: sim = simStart + (wall − wallAnchor) × speed. The fault suite's
// agents and the platform it starts (and restarts after SIGKILL) read the same timeline, so an hour's
// network cut passes in a minute without any part seeing time jump or go back.
import type { Clock } from '@hazwatch/edge-agent';

export type Timeline = { simStart: number; wallAnchor: number; speed: number };

export function simNow(t: Timeline): number {
  return Math.floor(t.simStart + (Date.now() - t.wallAnchor) * t.speed);
}

/** The agent's injectable clock on a timeline: timers wait their simulated delay divided by the speed. */
export function timelineClock(t: Timeline): Clock {
  return {
    now: () => simNow(t),
    timeout(fn, ms) {
      const h = setTimeout(fn, Math.max(0, ms / t.speed));
      return { cancel: () => clearTimeout(h) };
    },
    every(fn, ms) {
      const h = setInterval(fn, Math.max(1, ms / t.speed));
      return { cancel: () => clearInterval(h) };
    },
  };
}

export const TIMELINE_ENV = 'HAZWATCH_FAULTS_TIMELINE';

export function encodeTimeline(t: Timeline): string {
  return `${t.simStart},${t.wallAnchor},${t.speed}`;
}

export function decodeTimeline(s: string): Timeline {
  const [simStart, wallAnchor, speed] = s.split(',').map(Number);
  if (!(simStart! > 0 && wallAnchor! > 0 && speed! > 0)) throw new Error(`${TIMELINE_ENV} must be "simStart,wallAnchor,speed", got "${s}"`);
  return { simStart: simStart!, wallAnchor: wallAnchor!, speed: speed! };
}
