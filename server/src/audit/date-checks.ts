import type { Enterprise, Equipment } from '@hazwatch/protocols';
import { addMonths, addYears, daysBetween, yearsBetween } from './dates.ts';
import type { ProfileRule } from './profile.ts';
import { linesUnder } from './staffing-checks.ts';
import type { Finding } from './types.ts';

type Rule<C extends ProfileRule['check']> = Extract<ProfileRule, { check: C }>;
const label = (x: { id: string; name: string }) => `${x.id} (${x.name})`;

// Dates here are the enterprise's local dates (SPEC 1). An anniversary is the first day past a span:
// a line commissioned 2016-06-01 has been in service 10 years on 2026-06-01 and more than 10 years
// from 2026-06-02; equipment installed 2021-06-01 with a 5-year life may be used until 2026-05-31.

/** A line in service more than `afterYears` needs a safety evaluation dated on or after that anniversary (and not after `today`). */
export function lineSafetyEvaluation(e: Enterprise, rule: Rule<'line-safety-evaluation'>, today: string): Finding[] {
  const out: Finding[] = [];
  for (const line of linesUnder(e, rule)) {
    const subject = { enterpriseId: e.id, lineId: line.id };
    if (line.commissioned === undefined) {
      out.push({
        rule: rule.id,
        severity: rule.missingDataSeverity,
        subject,
        value: null,
        limit: null,
        message: `line ${label(line)}: no commissioning date recorded, so whether it needs a safety evaluation (after ${rule.afterYears} years in service) cannot be told (${rule.title})`,
      });
      continue;
    }
    const due = addYears(line.commissioned, rule.afterYears);
    if (today <= due) continue;
    const made = line.safetyEvaluation;
    if (made !== undefined && made >= due && made <= today) continue;
    const why =
      made === undefined
        ? 'no safety evaluation (安全性评估) is recorded'
        : made > today
          ? `its safety evaluation is dated ${made}, after the audit date ${today}`
          : `its latest safety evaluation (${made}) was made before its ${rule.afterYears}th year ended (${due})`;
    out.push({
      rule: rule.id,
      severity: rule.severity,
      subject,
      value: made ?? null,
      limit: due,
      message: `line ${label(line)}: in service since ${line.commissioned}, more than ${rule.afterYears} years on ${today}, but ${why}; one made on or after ${due} is required (${rule.title})`,
    });
  }
  return out;
}

type Life = {
  /** The first day past the original service life. */
  originalEnd: string;
  /** Extensions approved by `today`, in approval order, each with the end of the life it extended. */
  extensions: { years: number; approved: string; extended: string }[];
  /** The first day past the service life with those extensions. */
  end: string;
  allowedYears: number;
};

function lifeOf(q: Equipment, today: string): Life {
  const months = (years: number) => Math.round(years * 12);
  const originalEnd = addYears(q.installed, q.serviceLifeYears);
  let end = originalEnd;
  let allowedYears = q.serviceLifeYears;
  const extensions: Life['extensions'] = [];
  for (const x of [...q.extensions].sort((a, b) => a.approved.localeCompare(b.approved))) {
    if (x.approved > today) continue;
    extensions.push({ ...x, extended: end });
    end = addMonths(end, months(x.years));
    allowedYears += x.years;
  }
  return { originalEnd, extensions, end, allowedYears };
}

function equipmentSubject(e: Enterprise, q: Equipment) {
  return { enterpriseId: e.id, equipmentId: q.id, ...(q.lineId !== undefined ? { lineId: q.lineId } : {}), ...(q.workshopId !== undefined ? { workshopId: q.workshopId } : {}) };
}

export function equipmentExtensionCount(e: Enterprise, rule: Rule<'equipment-extension-count'>): Finding[] {
  return e.equipment
    .filter((q) => q.extensions.length > rule.max)
    .map((q) => ({
      rule: rule.id,
      severity: rule.severity,
      subject: equipmentSubject(e, q),
      value: q.extensions.length,
      limit: rule.max,
      message: `equipment ${label(q)}: extended ${q.extensions.length} times (${q.extensions.map((x) => `${x.years} y approved ${x.approved}`).join(', ')}); at most ${rule.max} extension(s) allowed (${rule.title})`,
    }));
}

export function equipmentExtensionYears(e: Enterprise, rule: Rule<'equipment-extension-years'>): Finding[] {
  return e.equipment.flatMap((q) =>
    q.extensions
      .filter((x) => x.years > rule.max)
      .map((x) => ({
        rule: rule.id,
        severity: rule.severity,
        subject: equipmentSubject(e, q),
        value: x.years,
        limit: rule.max,
        message: `equipment ${label(q)}: the extension approved ${x.approved} is ${x.years} years; at most ${rule.max} years (${rule.title})`,
      })),
  );
}

export function equipmentServiceLife(e: Enterprise, rule: Rule<'equipment-service-life'>, today: string): Finding[] {
  const out: Finding[] = [];
  for (const q of e.equipment) {
    const life = lifeOf(q, today);
    if (today < life.end) continue;
    const ext = life.extensions.length > 0 ? ` with ${life.extensions.length} extension(s) of ${life.extensions.map((x) => x.years).join(' + ')} years` : '';
    out.push({
      rule: rule.id,
      severity: rule.severity,
      subject: equipmentSubject(e, q),
      value: yearsBetween(q.installed, today),
      limit: life.allowedYears,
      message: `equipment ${label(q)}: installed ${q.installed}, a service life of ${q.serviceLifeYears} years${ext} ended on ${addDay(life.end, -1)}, and it is still listed on ${today} (${rule.title})`,
    });
  }
  return out;
}

export function equipmentExtensionLate(e: Enterprise, rule: Rule<'equipment-extension-late'>, today: string): Finding[] {
  return e.equipment.flatMap((q) =>
    lifeOf(q, today)
      .extensions.filter((x) => x.approved > x.extended)
      .map((x) => ({
        rule: rule.id,
        severity: rule.severity,
        subject: equipmentSubject(e, q),
        value: x.approved,
        limit: addDay(x.extended, -1),
        message: `equipment ${label(q)}: the extension approved ${x.approved} came after its service life had ended (${addDay(x.extended, -1)}), so it ran ${daysBetween(x.extended, x.approved)} day(s) past its life (${rule.title})`,
      })),
  );
}

export function equipmentServiceLifeEnding(e: Enterprise, rule: Rule<'equipment-service-life-ending'>, today: string): Finding[] {
  const out: Finding[] = [];
  for (const q of e.equipment) {
    const life = lifeOf(q, today);
    const left = daysBetween(today, life.end);
    if (left <= 0 || left > rule.withinDays) continue;
    out.push({
      rule: rule.id,
      severity: rule.severity,
      subject: equipmentSubject(e, q),
      value: left,
      limit: rule.withinDays,
      message: `equipment ${label(q)}: its service life ends after ${addDay(life.end, -1)}, ${left} day(s) from ${today} (${rule.title})`,
    });
  }
  return out;
}

function addDay(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
