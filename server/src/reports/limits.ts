import type { Enterprise } from '@hazwatch/protocols';

/** One changed limit between two revisions of an enterprise's configuration. */
export type LimitChange = { subject: string; field: string; from: string | number | null; to: string | number | null };

type Limits = Map<string, string | number>;

// What a regulator calls a limit: the values the rule engine judges against (SPEC 3/4), keyed
// `subject|field`. Structured values are compared as JSON.
function limitsOf(e: Enterprise): Limits {
  const out: Limits = new Map();
  const put = (subject: string, field: string, v: unknown) => {
    if (v === undefined) return;
    out.set(`${subject}|${field}`, typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v));
  };
  for (const w of e.workshops) {
    const s = `workshop ${w.id}`;
    put(s, 'hazardClass', w.hazardClass);
    put(s, 'staffingLimit', w.staffingLimit);
    for (const [line, n] of Object.entries(w.lineStaffingLimits)) put(s, `lineStaffingLimits.${line}`, n);
    put(s, 'quantityLimitKg', w.quantityLimitKg);
    put(s, 'quantityWarnKg', w.quantityWarnKg);
    put(s, 'maxDwellMinutes', w.maxDwellMinutes);
    put(s, 'operatingHours', w.operatingHours);
  }
  for (const l of e.lines) {
    const s = `line ${l.id}`;
    put(s, 'staffingLimit', l.staffingLimit);
    put(s, 'capacity.perDay', l.capacity?.perDay);
    put(s, 'newOrRebuilt', String(l.newOrRebuilt));
  }
  for (const p of e.licence?.products ?? []) {
    const s = `licence ${p.product}`;
    put(s, 'perYear', p.perYear);
    put(s, 'warnAt', p.warnAt);
  }
  put('calendar', 'closed', e.calendar?.closed);
  put('calendar', 'exceptions', e.calendar?.exceptions);
  return out;
}

/** The limits that differ between two configurations of one enterprise (`before` absent: it was added). */
export function limitChanges(before: Enterprise | undefined, after: Enterprise): LimitChange[] {
  if (!before) return [{ subject: `enterprise ${after.id}`, field: '(added)', from: null, to: null }];
  const a = limitsOf(before);
  const b = limitsOf(after);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const out: LimitChange[] = [];
  for (const k of keys) {
    const from = a.get(k) ?? null;
    const to = b.get(k) ?? null;
    if (from === to) continue;
    const [subject, field] = k.split('|') as [string, string];
    out.push({ subject, field, from, to });
  }
  return out;
}
