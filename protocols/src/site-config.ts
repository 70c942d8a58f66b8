import { z } from 'zod';
import { CalendarException, Enterprise, Equipment, Gateway, LicensedProduct, Line, SiteConfigShape, Workshop } from './site.ts';
import { duplicateIds, enterpriseIssues, viewOfEnterprise, type EnterpriseView, type Issue, type Slots } from './site-checks.ts';
import { alertingIssues } from './alerting.ts';

export type SiteConfig = z.output<typeof SiteConfigShape>;
export type SiteConfigInput = z.input<typeof SiteConfigShape>;

// The top level on its own: each enterprise is validated by itself, so that one enterprise's shape
// problem does not hide another's cross-reference problem (zod skips refinements once a shape fails).
const SiteTop = SiteConfigShape.extend({
  enterprises: z.array(z.unknown()).min(1, { message: 'must list at least one enterprise' }),
});

type RawIssue = { code: string; path: PropertyKey[]; message: string } & Record<string, unknown>;

/**
 * SPEC 3: the site configuration, validated as a whole. A rejected document yields every problem,
 * each with its path: shape problems, and the cross-reference problems of every part whose shape
 * allowed checking them. The structure is `SiteConfigShape`'s (use that for JSON Schema).
 */
export const SiteConfig = z
  .unknown()
  .transform((doc, ctx) => {
    const r = validateSite(doc);
    if (r.ok) return r.site;
    for (const issue of r.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  }) as unknown as z.ZodType<SiteConfig, SiteConfigInput>;

function validateSite(doc: unknown): { ok: true; site: SiteConfig } | { ok: false; issues: RawIssue[] } {
  const issues: RawIssue[] = [];
  const top = SiteTop.safeParse(doc);
  if (!top.success) issues.push(...(top.error.issues as unknown as RawIssue[]));

  const raw = isRecord(doc) && Array.isArray(doc.enterprises) ? (doc.enterprises as unknown[]) : [];
  const enterprises: Enterprise[] = [];
  const alerting: Parameters<typeof alertingIssues>[1][number][] = [];
  const ids: (string | undefined)[] = [];
  raw.forEach((item, ei) => {
    const r = Enterprise.safeParse(item);
    if (r.success) {
      enterprises.push(r.data);
      alerting.push({ index: ei, alerting: r.data.alerting, workshops: r.data.workshops.map((w) => w.id), lines: r.data.lines.map((l) => l.id) });
    } else for (const i of r.error.issues) issues.push({ ...(i as unknown as RawIssue), path: ['enterprises', ei, ...i.path] });
    const view = r.success ? viewOfEnterprise(r.data) : viewOfRawEnterprise(item);
    issues.push(...enterpriseIssues(view, ei).map(custom));
    ids.push(view.id);
  });
  issues.push(...duplicateIds(ids, ['enterprises'], 'enterprise').map(custom));
  if (top.success) issues.push(...alertingIssues(top.data.alerting, alerting).map(custom));

  if (issues.length > 0 || !top.success) return { ok: false, issues };
  return { ok: true, site: { ...top.data, enterprises } };
}

function custom(i: Issue): RawIssue {
  return { code: 'custom', path: i.path, message: i.message };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What can be checked of an enterprise whose shape failed: its items that did validate. */
function viewOfRawEnterprise(raw: unknown): EnterpriseView {
  if (!isRecord(raw)) {
    const none = { items: [], ids: [], known: null };
    return { id: undefined, lines: none, workshops: none, gateways: none, equipment: none, products: none, exceptions: none };
  }
  const licence = raw.licence === undefined ? {} : isRecord(raw.licence) ? raw.licence : null;
  const calendar = raw.calendar === undefined ? {} : isRecord(raw.calendar) ? raw.calendar : null;
  return {
    id: typeof raw.id === 'string' ? raw.id : undefined,
    lines: rawSlots(raw.lines, Line, 'id'),
    workshops: rawSlots(raw.workshops, Workshop, 'id'),
    gateways: rawSlots(raw.gateways, Gateway, 'id'),
    equipment: rawSlots(raw.equipment, Equipment, 'id'),
    products: licence ? rawSlots(licence.products, LicensedProduct, 'product') : { items: [], ids: [], known: null },
    exceptions: calendar ? rawSlots(calendar.exceptions, CalendarException, undefined) : { items: [], ids: [], known: null },
  };
}

function rawSlots<T>(list: unknown, schema: z.ZodType<T>, idKey: string | undefined): Slots<T> {
  // Absent lists default to empty (nothing exists); a list that is not a list leaves existence unknown.
  if (list === undefined) return { items: [], ids: [], known: new Set() };
  if (!Array.isArray(list)) return { items: [], ids: [], known: null };
  const items = list.map((x) => {
    const r = schema.safeParse(x);
    return r.success ? r.data : undefined;
  });
  const ids = list.map((x) => (idKey !== undefined && isRecord(x) && typeof x[idKey] === 'string' ? x[idKey] : undefined));
  return { items, ids, known: new Set(ids.filter((i): i is string => i !== undefined)) };
}
