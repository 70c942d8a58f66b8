import { z } from 'zod';
import type { SiteConfig } from '@hazwatch/protocols';
import { findingsFor } from './evaluate.ts';
import { SEVERITIES, type AuditResult, type Finding, type Severity } from './types.ts';

// The audit as the HTTP API returns it: the same shape for a stored revision audit, the live audit of
// the running configuration and the check of a submitted document, filtered to what a viewer asked for.

const Value = z.union([z.number(), z.string(), z.null()]);
export const FindingView = z.strictObject({
  rule: z.string(),
  severity: z.enum(SEVERITIES),
  subject: z.strictObject({ enterpriseId: z.string(), lineId: z.string().optional(), workshopId: z.string().optional(), equipmentId: z.string().optional() }),
  value: Value,
  limit: Value,
  message: z.string(),
});

export const AuditView = z.strictObject({
  /** The configuration revision audited; null for a submitted document not applied. */
  revision: z.number().int().nullable(),
  regulation: z.string(),
  auditedAt: z.string(),
  at: z.string().nullable(),
  profile: z.strictObject({ id: z.string(), version: z.number().int(), title: z.string() }).nullable(),
  counts: z.strictObject({ violation: z.number().int(), warning: z.number().int(), notice: z.number().int() }),
  findings: z.array(FindingView),
  error: z.string().nullable(),
});
export type AuditView = z.infer<typeof AuditView>;

export type Scope = { enterpriseId?: string; region?: string };

export function auditView(
  site: SiteConfig,
  a: { revision: number | null; auditedAt: string; result: AuditResult | null; error: string | null },
  scope: Scope,
): AuditView {
  const findings: Finding[] = a.result ? findingsFor(site, a.result.findings, scope) : [];
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  return {
    revision: a.revision,
    regulation: site.regulation,
    auditedAt: a.auditedAt,
    at: a.result?.at ?? null,
    profile: a.result?.profile ?? null,
    counts,
    findings,
    error: a.error,
  };
}
