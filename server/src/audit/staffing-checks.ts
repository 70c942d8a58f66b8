import type { Enterprise, Line, Workshop } from '@hazwatch/protocols';
import type { ProfileRule } from './profile.ts';
import type { Finding } from './types.ts';

type Rule<C extends ProfileRule['check']> = Extract<ProfileRule, { check: C }>;
type LineRule = Rule<'line-staffing-total'> | Rule<'line-staffing-per-workshop'> | Rule<'line-safety-evaluation'>;

export function linesUnder(e: Enterprise, rule: LineRule): Line[] {
  return e.lines.filter((l) => rule.applies.lineKinds.includes(l.kind) && (rule.applies.newOrRebuilt !== true || l.newOrRebuilt));
}

const label = (x: { id: string; name: string }) => `${x.id} (${x.name})`;

/**
 * The most persons of `line` that `w` lets in, as the rule engine enforces it (SPEC 4): the line's
 * own limit in the workshop, and the workshop's total, whichever is lower; a workshop that serves
 * only this line counts its total for it. Undefined: nothing bounds it.
 */
export function lineBoundIn(w: Workshop, lineId: string): number | undefined {
  const bounds = [w.lineStaffingLimits[lineId], w.staffingLimit].filter((b): b is number => b !== undefined);
  return bounds.length > 0 ? Math.min(...bounds) : undefined;
}

/** The 1.1 workshops (or the rule's classes) a line runs through, transfer platforms included. */
function workshopsOf(e: Enterprise, line: Line, hazardClasses: readonly string[]): Workshop[] {
  return e.workshops.filter((w) => w.lines.includes(line.id) && hazardClasses.includes(w.hazardClass));
}

export function lineStaffingTotal(e: Enterprise, rule: Rule<'line-staffing-total'>): Finding[] {
  const out: Finding[] = [];
  for (const line of linesUnder(e, rule)) {
    const subject = { enterpriseId: e.id, lineId: line.id };
    const finding = (value: number | null, message: string): Finding => ({ rule: rule.id, severity: rule.severity, subject, value, limit: rule.max, message });
    if (line.staffingLimit !== undefined) {
      if (line.staffingLimit > rule.max) {
        out.push(finding(line.staffingLimit, `line ${label(line)}: staffingLimit ${line.staffingLimit} allows more than ${rule.max} persons across its ${rule.hazardClasses.join('/')} workshops (${rule.title})`));
      }
      continue;
    }
    const workshops = workshopsOf(e, line, rule.hazardClasses);
    if (workshops.length === 0) {
      out.push({ ...finding(null, `line ${label(line)}: no staffingLimit and no hazard class ${rule.hazardClasses.join('/')} workshops configured, so its staffing cannot be checked against ${rule.max} (${rule.title})`), severity: 'warning' });
      continue;
    }
    const unbounded = workshops.filter((w) => lineBoundIn(w, line.id) === undefined);
    if (unbounded.length > 0) {
      out.push(finding(null, `line ${label(line)}: no staffingLimit, and workshop ${unbounded.map((w) => w.id).join(', ')} sets no limit, so nothing keeps the line to ${rule.max} persons (${rule.title})`));
      continue;
    }
    const parts = workshops.map((w) => ({ id: w.id, n: lineBoundIn(w, line.id)! }));
    const sum = parts.reduce((s, p) => s + p.n, 0);
    if (sum > rule.max) {
      out.push(finding(sum, `line ${label(line)}: no staffingLimit, and its workshops' limits add up to ${sum} (${parts.map((p) => `${p.id} ${p.n}`).join(' + ')}), more than ${rule.max} (${rule.title})`));
    }
  }
  return out;
}

export function lineStaffingPerWorkshop(e: Enterprise, rule: Rule<'line-staffing-per-workshop'>): Finding[] {
  const out: Finding[] = [];
  for (const line of linesUnder(e, rule)) {
    for (const w of workshopsOf(e, line, rule.hazardClasses)) {
      const bound = lineBoundIn(w, line.id);
      if (bound !== undefined && bound <= rule.max) continue;
      const shared = w.lines.length > 1;
      const how =
        bound === undefined
          ? 'sets no limit for it'
          : w.lineStaffingLimits[line.id] !== undefined
            ? `allows it ${bound} (lineStaffingLimits)`
            : shared
              ? `is shared and sets no lineStaffingLimits for it, so its total limit ${bound} is all that bounds the line`
              : `allows ${bound} (staffingLimit)`;
      out.push({
        rule: rule.id,
        severity: rule.severity,
        subject: { enterpriseId: e.id, lineId: line.id, workshopId: w.id },
        value: bound ?? null,
        limit: rule.max,
        message: `line ${label(line)} in workshop ${label(w)}: the workshop ${how}; at most ${rule.max} (${rule.title})`,
      });
    }
  }
  return out;
}

export function workshopStaffingTotal(e: Enterprise, rule: Rule<'workshop-staffing-total'>): Finding[] {
  const lineIds = new Set(e.lines.filter((l) => rule.applies.lineKinds.includes(l.kind)).map((l) => l.id));
  const out: Finding[] = [];
  for (const w of e.workshops) {
    if (!w.lines.some((l) => lineIds.has(l))) continue;
    if (rule.applies.workshopKinds && !rule.applies.workshopKinds.includes(w.kind)) continue;
    if (rule.applies.hazardClasses && !rule.applies.hazardClasses.includes(w.hazardClass)) continue;
    if (w.staffingLimit !== undefined && w.staffingLimit <= rule.max) continue;
    out.push({
      rule: rule.id,
      severity: rule.severity,
      subject: { enterpriseId: e.id, workshopId: w.id },
      value: w.staffingLimit ?? null,
      limit: rule.max,
      message:
        w.staffingLimit === undefined
          ? `workshop ${label(w)}: no staffingLimit (定员) set, so nothing keeps it to ${rule.max} persons in total (${rule.title})`
          : `workshop ${label(w)}: staffingLimit ${w.staffingLimit} is more than ${rule.max} persons in total (${rule.title})`,
    });
  }
  return out;
}
