import type { Enterprise, SiteConfig } from '@hazwatch/protocols';
import { iso } from '@hazwatch/protocols';
import { localDate } from './dates.ts';
import {
  equipmentExtensionCount,
  equipmentExtensionLate,
  equipmentExtensionYears,
  equipmentServiceLife,
  equipmentServiceLifeEnding,
  lineSafetyEvaluation,
} from './date-checks.ts';
import type { Profile, ProfileRule } from './profile.ts';
import { lineStaffingPerWorkshop, lineStaffingTotal, workshopStaffingTotal } from './staffing-checks.ts';
import { SEVERITIES, type AuditAt, type AuditResult, type Finding, type Severity } from './types.ts';

function check(e: Enterprise, rule: ProfileRule, today: string): Finding[] {
  switch (rule.check) {
    case 'line-staffing-total':
      return lineStaffingTotal(e, rule);
    case 'line-staffing-per-workshop':
      return lineStaffingPerWorkshop(e, rule);
    case 'workshop-staffing-total':
      return workshopStaffingTotal(e, rule);
    case 'line-safety-evaluation':
      return lineSafetyEvaluation(e, rule, today);
    case 'equipment-extension-count':
      return equipmentExtensionCount(e, rule);
    case 'equipment-extension-years':
      return equipmentExtensionYears(e, rule);
    case 'equipment-service-life':
      return equipmentServiceLife(e, rule, today);
    case 'equipment-extension-late':
      return equipmentExtensionLate(e, rule, today);
    case 'equipment-service-life-ending':
      return equipmentServiceLifeEnding(e, rule, today);
  }
}

const ORDER: Record<Severity, number> = { violation: 0, warning: 1, notice: 2 };

/**
 * The compliance audit (issue 9): every rule of the profile over every enterprise of a validated site.
 * Pure. Findings come most severe first, then in profile and configuration order.
 */
export function auditSite(site: SiteConfig, profile: Profile, at: AuditAt): AuditResult {
  const findings: Finding[] = [];
  for (const e of site.enterprises) {
    const today = 'date' in at ? at.date : localDate(at.instant, e.timezone);
    for (const rule of profile.rules) findings.push(...check(e, rule, today));
  }
  findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  return {
    profile: { id: profile.id, version: profile.version, title: profile.title },
    at: 'date' in at ? at.date : iso(at.instant),
    findings,
    counts,
  };
}

/** Findings of the enterprises a viewer may see: one enterprise, or a region (an administrative division code and everything under it). */
export function findingsFor(site: SiteConfig, findings: readonly Finding[], scope: { enterpriseId?: string; region?: string }): Finding[] {
  const ids = new Set(site.enterprises.filter((e) => (scope.region === undefined || inRegion(e.region, scope.region)) && (scope.enterpriseId === undefined || e.id === scope.enterpriseId)).map((e) => e.id));
  return findings.filter((f) => ids.has(f.subject.enterpriseId));
}

/**
 * Administrative division codes nest by prefix with trailing zero pairs: 370000 (a province) holds
 * 370300 (a city), which holds 370306 (a district).
 */
export function inRegion(enterpriseRegion: string, region: string): boolean {
  let prefix = region;
  while (prefix.length > 2 && prefix.endsWith('00')) prefix = prefix.slice(0, -2);
  return enterpriseRegion.startsWith(prefix);
}
