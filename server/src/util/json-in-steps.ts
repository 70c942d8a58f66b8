import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * `JSON.stringify(value)`, written a slice at a time: after every `sliceMs` of work it lets the event
 * loop run, so a large object (a province's engine snapshot, tens of MB) does not hold up ingest.
 * Top-level properties that are plain objects (records of many entries) are written entry by entry,
 * anything else whole. `value` must not change until the promise settles (pass a copy).
 */
export async function jsonInSteps(value: object, sliceMs = 5): Promise<string> {
  const parts: string[] = ['{'];
  let sliceStart = performance.now();
  const due = () => performance.now() - sliceStart >= sliceMs;
  const pause = async () => {
    await nextTurn();
    sliceStart = performance.now();
  };
  let firstTop = true;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    const v = (value as Record<string, unknown>)[k];
    if (isRecord(v)) {
      if (!firstTop) parts.push(',');
      firstTop = false;
      parts.push(JSON.stringify(k), ':{');
      let first = true;
      let n = 0;
      for (const ek in v) {
        if (!Object.prototype.hasOwnProperty.call(v, ek)) continue;
        // As JSON.stringify: an entry whose value has no JSON form (undefined, a function) is left out.
        const j = JSON.stringify(v[ek]) as string | undefined;
        if (j === undefined) continue;
        if (!first) parts.push(',');
        first = false;
        parts.push(JSON.stringify(ek), ':', j);
        // Checking the clock costs too: every 64 entries (a few µs each) is often enough.
        if (++n % 64 === 0 && due()) await pause();
      }
      parts.push('}');
    } else {
      const j = JSON.stringify(v) as string | undefined;
      if (j === undefined) continue;
      if (!firstTop) parts.push(',');
      firstTop = false;
      parts.push(JSON.stringify(k), ':', j);
    }
    if (due()) await pause();
  }
  parts.push('}');
  return parts.join('');
}

/** A plain object without its own JSON form: written entry by entry exactly as JSON.stringify would. */
function isRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}
