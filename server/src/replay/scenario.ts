import { z } from 'zod';
import type { AlarmRecord } from '@hazwatch/protocols';
import { AlarmLevel, AlarmReason, AlarmSubject, AlarmType, Id, SiteConfig, Timestamp, formatProblems, problemsOf } from '@hazwatch/protocols';
import { replay, type ReplayResult } from './replay.ts';

/** An expected alarm (scenarios/README.md): the required fields, and any of the optional ones to compare too. */
const ExpectedAlarm = z.strictObject({
  enterpriseId: Id,
  type: AlarmType,
  reason: AlarmReason.nullable(),
  level: AlarmLevel,
  subject: AlarmSubject,
  raisedAt: Timestamp,
  clearedAt: Timestamp.nullable(),
  escalatedAt: Timestamp.nullable().optional(),
  peak: z.number().nullable().optional(),
  late: z.boolean().optional(),
  limit: z.number().nullable().optional(),
  value: z.number().nullable().optional(),
});
type ExpectedAlarm = z.output<typeof ExpectedAlarm>;

export const Scenario = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  site: SiteConfig,
  inputs: z.array(z.unknown()),
  until: Timestamp,
  expect: z.strictObject({ alarms: z.array(ExpectedAlarm) }),
});
export type Scenario = z.output<typeof Scenario>;

export type ScenarioVerdict = {
  name: string;
  pass: boolean;
  missing: ExpectedAlarm[];
  unexpected: AlarmRecord[];
  /** Set when the scenario file itself is unusable. */
  error?: string;
  result?: ReplayResult;
};

const sameSubject = (a: AlarmRecord['subject'], b: AlarmRecord['subject']) => {
  const ka = Object.keys(a).filter((k) => a[k as keyof typeof a] !== undefined).sort();
  const kb = Object.keys(b).filter((k) => b[k as keyof typeof b] !== undefined).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k as keyof typeof a] === b[k as keyof typeof b]);
};
const instant = (s: string | null) => (s === null ? null : Date.parse(s));

export function matches(e: ExpectedAlarm, a: AlarmRecord): boolean {
  if (e.enterpriseId !== a.enterpriseId || e.type !== a.type || e.level !== a.level || e.reason !== a.reason) return false;
  if (!sameSubject(e.subject, a.subject)) return false;
  if (e.raisedAt !== instant(a.raisedAt) || e.clearedAt !== instant(a.clearedAt)) return false;
  if (e.escalatedAt !== undefined && e.escalatedAt !== instant(a.escalatedAt)) return false;
  if (e.peak !== undefined && e.peak !== a.peak) return false;
  if (e.late !== undefined && e.late !== a.late) return false;
  if (e.limit !== undefined && e.limit !== a.limit) return false;
  if (e.value !== undefined && e.value !== a.value) return false;
  return true;
}

/** Each expected alarm must match exactly one produced alarm and vice versa: a maximum bipartite matching. */
function match(expected: ExpectedAlarm[], produced: AlarmRecord[]): { missing: ExpectedAlarm[]; unexpected: AlarmRecord[] } {
  const edges = expected.map((e) => produced.flatMap((a, j) => (matches(e, a) ? [j] : [])));
  const owner = new Array<number>(produced.length).fill(-1);
  const tryAssign = (i: number, seen: Set<number>): boolean => {
    for (const j of edges[i]!) {
      if (seen.has(j)) continue;
      seen.add(j);
      if (owner[j] === -1 || tryAssign(owner[j]!, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  const matched = expected.map((_, i) => tryAssign(i, new Set()));
  return {
    missing: expected.filter((_, i) => !matched[i]),
    unexpected: produced.filter((_, j) => owner[j] === -1),
  };
}

export function runScenario(doc: unknown, fallbackName: string): ScenarioVerdict {
  const parsed = Scenario.safeParse(doc);
  if (!parsed.success) {
    const name = typeof (doc as { name?: unknown })?.name === 'string' ? (doc as { name: string }).name : fallbackName;
    return { name, pass: false, missing: [], unexpected: [], error: `not a valid scenario:\n${formatProblems(problemsOf(parsed.error))}` };
  }
  const s = parsed.data;
  const result = replay(s.site, s.inputs, s.until);
  const { missing, unexpected } = match(s.expect.alarms, result.alarms);
  return { name: s.name, pass: missing.length === 0 && unexpected.length === 0, missing, unexpected, result };
}
