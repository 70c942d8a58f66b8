// The agent's one source of time. Everything that waits (heartbeats, polls, alarm debounce, replay rate)
// goes through it, so a test can compress an hour-long outage into seconds without touching the code
// under test. Network timeouts (MQTT keepalive, Modbus response) stay on real time: they measure sockets.

export type TimerHandle = { cancel(): void };

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms` of this clock's time. */
  timeout(fn: () => void, ms: number): TimerHandle;
  /** Calls `fn` every `ms` of this clock's time. */
  every(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  timeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
  every(fn, ms) {
    const t = setInterval(fn, Math.max(1, ms));
    return { cancel: () => clearInterval(t) };
  },
};

/**
 * A clock that runs `speed` times faster than the wall clock, starting at `start` (epoch ms). At speed
 * 720 one hour passes in five seconds. Timers are real timers with their delay divided by the speed.
 */
export function scaledClock(opts: { start: number; speed: number }): Clock {
  const { start, speed } = opts;
  if (!(speed > 0)) throw new RangeError(`clock speed must be positive, got ${speed}`);
  const origin = performance.now();
  const real = (ms: number) => ms / speed;
  return {
    now: () => Math.floor(start + (performance.now() - origin) * speed),
    timeout(fn, ms) {
      const t = setTimeout(fn, Math.max(0, real(ms)));
      return { cancel: () => clearTimeout(t) };
    },
    every(fn, ms) {
      const t = setInterval(fn, Math.max(1, real(ms)));
      return { cancel: () => clearInterval(t) };
    },
  };
}
