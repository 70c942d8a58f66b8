// What the fault suite expects: each scripted violation raises exactly one alarm of its kind for its
// workshop, raised `raiseAfterSeconds` after it began and cleared `clearAfterSeconds` after it ended
// (event time, whatever happened to the network meanwhile); the cut gateway raises one
// gateway-offline alarm. Anything else the platform raised is extra.
import type { AlarmRecord } from '@hazwatch/protocols';
import type { Violation } from '@hazwatch/simulators';

export type Expected = {
  type: string;
  subject: Record<string, string>;
  /** Exact expectation where the script knows it (event time). */
  raisedAt?: number;
  clearedAt?: number | null;
  /** Window in which the alarm must lie, when its instant depends on the network (the cut). */
  window: { from: number; to: number };
  why: string;
};

export function expectedFromViolations(vs: readonly Violation[], raiseMs: number, clearMs: number): Expected[] {
  return vs.map((v) => ({
    type: v.kind,
    subject: { workshopId: v.workshopId },
    raisedAt: v.from + raiseMs,
    clearedAt: v.until + clearMs,
    window: { from: v.from, to: v.until + clearMs },
    why: `${v.kind} in ${v.workshopId}: ${v.value} against ${v.limit}, ${new Date(v.from).toISOString()}–${new Date(v.until).toISOString()}`,
  }));
}

export type Judgement = {
  expected: number;
  raised: number;
  /** Expected alarms with no produced alarm of their type and subject in their window. */
  missed: Expected[];
  /** Produced alarms no expectation accounts for. */
  extra: AlarmRecord[];
  /** Matched, but raisedAt or clearedAt differ from the exact expectation. */
  mistimed: { expected: Expected; got: { raisedAt: string; clearedAt: string | null } }[];
};

const sameSubject = (a: Record<string, string | undefined>, b: Record<string, string | undefined>) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => a[k] !== undefined || b[k] !== undefined));
  return [...keys].every((k) => a[k] === b[k]);
};

export function judge(expected: readonly Expected[], produced: readonly AlarmRecord[]): Judgement {
  const free = new Set(produced);
  const missed: Expected[] = [];
  const mistimed: Judgement['mistimed'] = [];
  for (const e of expected) {
    const candidates = [...free].filter((a) => a.type === e.type && sameSubject(a.subject as Record<string, string>, e.subject));
    const overlapping = candidates.filter((a) => {
      const raised = Date.parse(a.raisedAt);
      const cleared = a.clearedAt ? Date.parse(a.clearedAt) : Infinity;
      return raised <= e.window.to + 60_000 && cleared >= e.window.from;
    });
    const best = overlapping.sort((x, y) => Math.abs(Date.parse(x.raisedAt) - (e.raisedAt ?? e.window.from)) - Math.abs(Date.parse(y.raisedAt) - (e.raisedAt ?? e.window.from)))[0];
    if (!best) {
      missed.push(e);
      continue;
    }
    free.delete(best);
    const clearedAt = best.clearedAt ? Date.parse(best.clearedAt) : null;
    if ((e.raisedAt !== undefined && Date.parse(best.raisedAt) !== e.raisedAt) || (e.clearedAt !== undefined && clearedAt !== e.clearedAt)) {
      mistimed.push({ expected: e, got: { raisedAt: best.raisedAt, clearedAt: best.clearedAt } });
    }
  }
  return { expected: expected.length, raised: produced.length, missed, extra: [...free], mistimed };
}
