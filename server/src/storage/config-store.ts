import type { SiteConfig } from '@hazwatch/protocols';
import type { RevisionAudit } from '../audit/types.ts';

/** One accepted site configuration (SPEC 3: every accepted configuration gets a revision, kept with who changed it and when). */
export type SiteRevision = {
  revision: number;
  site: SiteConfig;
  /** The document as submitted (YAML or JSON), for diffs and audits. */
  text: string;
  /** Where it came from: `file:<path>`, `api`. */
  source: string;
  changedBy: string;
  /** RFC 3339 UTC. */
  changedAt: string;
};

export type SiteRevisionSummary = Omit<SiteRevision, 'site' | 'text'>;

/** Site configuration revisions. Append-only: a revision is never changed once written. */
export interface ConfigStore {
  latest(): SiteRevision | undefined;
  get(revision: number): SiteRevision | undefined;
  list(): SiteRevisionSummary[];
  /** Stores a new revision, numbered one past the latest, and returns it. */
  add(r: Omit<SiteRevision, 'revision'>): SiteRevision;
  /** The compliance audit of a revision (issue 9); a later audit of the same revision replaces it. */
  saveAudit(a: RevisionAudit): void;
  getAudit(revision: number): RevisionAudit | undefined;
  close(): void;
}
