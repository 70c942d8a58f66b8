import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { HazardClass, LineKind, WorkshopKind, formatProblems, problemsOf } from '@hazwatch/protocols';
import { SEVERITIES } from './types.ts';

/**
 * A regulation profile is data (issue 9): which checks apply to which lines, workshops and equipment,
 * with which limits. The checks themselves are the evaluator's; a province with stricter limits writes
 * a profile (or one that `extends` another and overrides some rules by id), not code.
 */
const Severity = z.enum(SEVERITIES);
const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'must be lower-case letters, digits and dashes' }),
  title: z.string().min(1),
  severity: Severity,
};
const LineApplies = z.strictObject({
  lineKinds: z.array(LineKind).min(1),
  /** true: only new or rebuilt lines (the 2025 staffing rule); absent: every line. */
  newOrRebuilt: z.boolean().optional(),
});
const persons = z.number().int().positive();

export const ProfileRule = z.discriminatedUnion('check', [
  // The persons a line may have across its workshops of these hazard classes: the line's own
  // staffingLimit, or where it is not set, the sum of what each of those workshops allows the line.
  z.strictObject({ ...base, check: z.literal('line-staffing-total'), applies: LineApplies, hazardClasses: z.array(HazardClass).min(1), max: persons }),
  // The persons of a line in each of its workshops: the workshop's limit for that line.
  z.strictObject({ ...base, check: z.literal('line-staffing-per-workshop'), applies: LineApplies, hazardClasses: z.array(HazardClass).min(1), max: persons }),
  // A workshop's total 定员, for workshops that serve a line of these kinds.
  z.strictObject({
    ...base,
    check: z.literal('workshop-staffing-total'),
    applies: z.strictObject({ lineKinds: z.array(LineKind).min(1), workshopKinds: z.array(WorkshopKind).min(1).optional(), hazardClasses: z.array(HazardClass).min(1).optional() }),
    max: persons,
  }),
  // A line in service more than `afterYears` needs a safety evaluation made after that anniversary.
  z.strictObject({
    ...base,
    check: z.literal('line-safety-evaluation'),
    applies: LineApplies,
    afterYears: z.number().positive(),
    /** For a line whose commissioning date is not recorded, so its age cannot be told. */
    missingDataSeverity: Severity.default('warning'),
  }),
  z.strictObject({ ...base, check: z.literal('equipment-extension-count'), max: z.number().int().min(0) }),
  z.strictObject({ ...base, check: z.literal('equipment-extension-years'), max: z.number().positive() }),
  z.strictObject({ ...base, check: z.literal('equipment-service-life') }),
  z.strictObject({ ...base, check: z.literal('equipment-extension-late') }),
  z.strictObject({ ...base, check: z.literal('equipment-service-life-ending'), withinDays: z.number().int().positive() }),
]);
export type ProfileRule = z.output<typeof ProfileRule>;

export const Profile = z.strictObject({
  id: base.id,
  version: z.number().int().positive(),
  title: z.string().min(1),
  source: z.string().optional(),
  rules: z.array(ProfileRule),
});
export type Profile = z.output<typeof Profile>;

/** A profile as written: `extends` names a profile whose rules it starts from; a rule with a known id overrides fields of it. */
const ProfileDocument = z.strictObject({
  id: base.id,
  version: z.number().int().positive(),
  title: z.string().min(1),
  source: z.string().optional(),
  extends: z.string().optional(),
  rules: z.array(z.looseObject({ id: z.string(), disabled: z.boolean().optional() })).default([]),
});

export class ProfileError extends Error {
  override name = 'ProfileError';
}

const BUILTIN_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

/** The ids of the profiles that ship with hazwatch. */
export function builtinProfileIds(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** A built-in profile by id (the site's `regulation`), or a profile file by path (ending in .json). */
export function loadProfile(ref: string): Profile {
  return resolve(ref, new Set());
}

function resolve(ref: string, seen: Set<string>): Profile {
  const isFile = ref.endsWith('.json') || ref.includes('/');
  if (!isFile && !builtinProfileIds().includes(ref)) {
    throw new ProfileError(`unknown regulation profile "${ref}" (known: ${builtinProfileIds().join(', ')}; or give a profile file ending in .json)`);
  }
  const file = isFile ? ref : join(BUILTIN_DIR, `${ref}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ProfileError(`regulation profile ${file} cannot be read: ${(err as Error).message}`);
  }
  const doc = ProfileDocument.safeParse(raw);
  if (!doc.success) throw new ProfileError(`regulation profile ${file} is invalid:\n${formatProblems(problemsOf(doc.error))}`);
  if (seen.has(doc.data.id)) throw new ProfileError(`regulation profile ${doc.data.id} extends itself (through ${[...seen].join(' → ')})`);
  seen.add(doc.data.id);

  let rules: Record<string, unknown>[] = [];
  if (doc.data.extends !== undefined) rules = resolve(doc.data.extends, seen).rules.map((r) => ({ ...r }));
  for (const own of doc.data.rules) {
    const i = rules.findIndex((r) => r.id === own.id);
    const { disabled, ...fields } = own;
    if (disabled) {
      if (i >= 0) rules.splice(i, 1);
    } else if (i >= 0) rules[i] = { ...rules[i], ...fields };
    else rules.push(fields);
  }
  const { extends: _parent, ...head } = doc.data;
  const profile = Profile.safeParse({ ...head, rules });
  if (!profile.success) throw new ProfileError(`regulation profile ${file} is invalid:\n${formatProblems(problemsOf(profile.error))}`);
  const ids = new Set<string>();
  for (const r of profile.data.rules) {
    if (ids.has(r.id)) throw new ProfileError(`regulation profile ${file}: rule id "${r.id}" is used twice`);
    ids.add(r.id);
  }
  return profile.data;
}
