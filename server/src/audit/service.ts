import type { Logger } from 'pino';
import type { SiteConfig } from '@hazwatch/protocols';
import { iso } from '@hazwatch/protocols';
import type { ConfigStore, SiteRevision } from '../storage/config-store.ts';
import { auditSite } from './evaluate.ts';
import { loadProfile, ProfileError, type Profile } from './profile.ts';
import type { AuditAt, AuditResult, RevisionAudit } from './types.ts';

export type AuditServiceDeps = {
  configs: ConfigStore;
  now: () => number;
  log: Logger;
};

/**
 * Runs the compliance audit on configuration revisions and keeps the findings with them (issue 9:
 * "the audit runs on every new configuration revision"). A revision is audited as of the moment it
 * was accepted, so re-auditing a revision whose findings were lost gives the same answer.
 */
export class AuditService {
  private readonly profiles = new Map<string, Profile>();

  constructor(private readonly deps: AuditServiceDeps) {}

  /** The profile a site names, loaded once. Throws ProfileError for an unknown or broken profile. */
  profile(regulation: string): Profile {
    let p = this.profiles.get(regulation);
    if (!p) {
      p = loadProfile(regulation);
      this.profiles.set(regulation, p);
    }
    return p;
  }

  /** Audits a site without storing anything (the live view, and checking a configuration before applying it). */
  audit(site: SiteConfig, at: AuditAt = { instant: this.deps.now() }): AuditResult {
    return auditSite(site, this.profile(site.regulation), at);
  }

  /**
   * Audits a revision and stores the result. Never throws: an audit that cannot run (an unknown
   * profile) is stored with its reason, and the configuration stays applied — the audit informs
   * regulators, it does not gate the monitoring.
   */
  record(rev: SiteRevision): RevisionAudit {
    let out: RevisionAudit;
    const base = { revision: rev.revision, auditedAt: iso(this.deps.now()), regulation: rev.site.regulation };
    try {
      const result = this.audit(rev.site, { instant: Date.parse(rev.changedAt) });
      out = { ...base, result, error: null };
      const level = result.counts.violation > 0 ? 'warn' : 'info';
      this.deps.log[level]({ revision: rev.revision, regulation: rev.site.regulation, ...result.counts }, 'compliance audit of the site configuration');
    } catch (err) {
      const error = err instanceof ProfileError ? err.message : `the audit failed: ${(err as Error).message}`;
      out = { ...base, result: null, error };
      this.deps.log.warn({ revision: rev.revision, regulation: rev.site.regulation, error }, 'compliance audit could not run');
    }
    try {
      this.deps.configs.saveAudit(out);
    } catch (err) {
      this.deps.log.error({ err, revision: rev.revision }, 'compliance audit could not be stored');
    }
    return out;
  }

  /** The stored audit of a revision; a revision from before audits existed is audited now (as of its own time) and stored. */
  forRevision(revision: number): RevisionAudit | undefined {
    const stored = this.deps.configs.getAudit(revision);
    if (stored) return stored;
    const rev = this.deps.configs.get(revision);
    return rev && this.record(rev);
  }
}
