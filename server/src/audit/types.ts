/** How serious a finding is. Only `violation` makes `hazwatch audit` exit 1. */
export const SEVERITIES = ['violation', 'warning', 'notice'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a finding is about: always an enterprise, and the line, workshop or equipment where it applies. */
export type FindingSubject = {
  enterpriseId: string;
  lineId?: string;
  workshopId?: string;
  equipmentId?: string;
};

/**
 * One finding of the compliance audit (issue 9). `value` is what the configuration says (a number of
 * persons or years, a date `YYYY-MM-DD`, or null where nothing is set); `limit` what the profile allows.
 */
export type Finding = {
  rule: string;
  severity: Severity;
  subject: FindingSubject;
  value: number | string | null;
  limit: number | string | null;
  message: string;
};

/** The reference date of an audit: one local date for every enterprise, or an instant read in each enterprise's zone. */
export type AuditAt = { date: string } | { instant: number };

export type AuditResult = {
  profile: { id: string; version: number; title: string };
  /** The reference date (`YYYY-MM-DD`) or instant (RFC 3339 UTC) the date rules were evaluated at. */
  at: string;
  findings: Finding[];
  counts: Record<Severity, number>;
};

/** The audit of one configuration revision, made when the revision was created (issue 9). */
export type RevisionAudit = {
  revision: number;
  /** RFC 3339 UTC: when the audit ran. */
  auditedAt: string;
  /** The profile the site named (`regulation`). */
  regulation: string;
  /** null when the audit could not run (`error` says why, e.g. an unknown profile). */
  result: AuditResult | null;
  error: string | null;
};
