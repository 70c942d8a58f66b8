import { z } from 'zod';

/**
 * SPEC 3: unknown keys are errors, because a misspelt limit must never pass silently. Saying which
 * known key was probably meant turns "Unrecognized key" into something an engineer on site can fix.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? unknownKeysMessage(iss.keys, known) : undefined),
  });
}

export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((k) => {
      const guess = closestKey(k, known);
      return guess ? `"${k}" is not a known key (did you mean "${guess}"?)` : `"${k}" is not a known key`;
    })
    .join('; ');
}

/** The known key a misspelling most likely meant: same letters ignoring case and separators, or ≤ 2 edits. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const exact = known.find((k) => norm(k) === norm(key));
  if (exact) return exact;
  // Short keys get fewer edits, or every two-letter typo would "mean" some other short key.
  const maxEdits = Math.min(2, Math.floor(key.length / 3));
  let best: string | undefined;
  let bestDistance = maxEdits + 1;
  for (const k of known) {
    const d = editDistance(norm(k), norm(key));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
