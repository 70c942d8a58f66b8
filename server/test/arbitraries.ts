// Random telemetry for the property tests: readings of every form the schema allows (and, with other
// text, some it refuses), shared so that every test draws from the same space.
import fc from 'fast-check';

/** The range of protocols' `Timestamp` in epoch ms (2000-01-01 .. 2200-01-01). */
export const MIN_MS = 946_684_800_000;
export const MAX_MS = 7_258_118_400_000;

export const epochMs = fc.integer({ min: MIN_MS, max: MAX_MS });
export const id = fc.oneof(fc.constantFrom('ws-a', 'line-1', 'E1', '1', 'a.b_c-d', 'x'.repeat(64)), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,8}$/));

/** Workshop and line readings; `personId` and `unit` choose the text those fields carry. */
export function readingArbitraries(text: { personId?: fc.Arbitrary<string>; unit?: fc.Arbitrary<string> } = {}) {
  const workshop = fc.record(
    {
      workshopId: id,
      ts: epochMs,
      headcount: fc.option(
        fc.record(
          {
            total: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
            byLine: fc.dictionary(id, fc.integer({ min: 0, max: 3 }), { maxKeys: 3 }),
            persons: fc.uniqueArray(fc.record({ id: text.personId ?? id, since: epochMs }), { selector: (p) => p.id, maxLength: 3 }),
          },
          { requiredKeys: ['total'] },
        ),
        { nil: null },
      ),
      materialKg: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: null }),
    },
    { requiredKeys: ['workshopId', 'ts'] },
  );
  const line = fc.record({
    lineId: id,
    ts: epochMs,
    production: fc.record({ counter: fc.double({ min: 0, max: 1e6, noNaN: true }), unit: text.unit ?? fc.string({ minLength: 1, maxLength: 16 }), product: id }, { requiredKeys: ['counter'] }),
  });
  return { workshop, line };
}
