// The engine's tracker registry keeps a Map's order (saved states, alarms raised at one instant and
// reconfiguration steps follow it) while keeping a departed person's tracker for their return.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrackerRegistry } from '../src/engine/registry.ts';
import { Tracker, type RuleSpec } from '../src/engine/tracker.ts';

/** Trackers are only stored here: a spec with a key is all the registry reads. */
const tracker = (key: string) => new Tracker({ key } as RuleSpec, undefined as never);

type Op = { op: 'add' | 'replace' | 'delete' | 'keep' | 'forget'; k: number };

describe('TrackerRegistry', () => {
  it('iterates, finds and counts as a Map of the same operations would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ op: fc.constantFrom<Op['op']>('add', 'replace', 'delete', 'keep', 'forget'), k: fc.nat(7) }), { maxLength: 200 }),
        (ops) => {
          const reg = new TrackerRegistry();
          const ref = new Map<string, Tracker>();
          // The latest tracker made for each key: `add` brings it back (as the engine does for a
          // returning person), `replace` makes another.
          const made = new Map<string, Tracker>();
          for (const { op, k } of ops) {
            const key = `key-${k}`;
            if (op === 'add' || op === 'replace') {
              let t = made.get(key);
              if (!t || op === 'replace') made.set(key, (t = tracker(key)));
              reg.set(key, t);
              ref.set(key, t);
            } else if (op === 'delete' || op === 'keep') {
              expect(reg.delete(key, op === 'keep')).toBe(ref.delete(key));
            } else {
              const t = made.get(key);
              if (t) reg.forget(t);
            }
            expect([...reg.values()]).toEqual([...ref.values()]);
            expect([...reg].map(([key2]) => key2)).toEqual([...ref.keys()]);
            expect(reg.size).toBe(ref.size);
            for (let j = 0; j < 8; j++) {
              expect(reg.get(`key-${j}`)).toBe(ref.get(`key-${j}`));
              expect(reg.has(`key-${j}`)).toBe(ref.has(`key-${j}`));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
