// Which site configuration is in force when the platform starts (and what the CLI works from): the
// site file, or a revision made since through the API or the dashboard.
import type { SiteConfig } from '@hazwatch/protocols';
import type { ConfigStore, SiteRevision } from '../storage/config-store.ts';
import { parseSiteText } from './load.ts';

/** Revisions that came from the site file at a start (`file:<path>`), or a site given to the server in code. */
const fromStartup = (source: string) => source.startsWith('file:') || source === 'startup';

export type StartupChoice =
  /** No revision yet, or the file was changed since it was last loaded: the file becomes a new revision. */
  | { use: 'file'; overrides?: SiteRevision; unreadable?: SiteRevision }
  /**
   * The latest revision, its document read again under this version's schema (defaults added since
   * included): the file itself, or a revision made since that the unchanged file must not undo.
   */
  | { use: 'latest'; latest: SiteRevision; site: SiteConfig; keptOverFile: boolean };

/**
 * The file wins when it was edited since it was last loaded (someone changed it and restarted, as
 * before); an unchanged file does not undo a revision made through the API since. Otherwise a limit
 * lowered in the dashboard would silently return to the file's value at the next restart. "Changed"
 * compares the file with the revision it was last loaded as, both read by this version: the stored
 * sites as once parsed would call an unchanged file changed when a newer schema fills in a default.
 * `overrides`: the later revision an edited file replaces; `unreadable`: a latest revision this
 * version's schema refuses, which the file replaces (both for the log).
 */
export function startupChoice(configs: ConfigStore, file: { site: SiteConfig; text: string }): StartupChoice {
  const latest = configs.latest();
  if (!latest) return { use: 'file' };
  const lastLoaded = configs.list().find((r) => fromStartup(r.source));
  const loaded = lastLoaded && (lastLoaded.revision === latest.revision ? latest : configs.get(lastLoaded.revision));
  // Both read under this version's schema, so a default added since is on both sides; an edit that
  // changes nothing (a comment, the layout) leaves the file unchanged.
  const loadedSite = loaded === undefined ? undefined : loaded.text === file.text ? file.site : readNow(loaded.text);
  const fileUnchanged = loadedSite !== undefined && same(loadedSite, file.site);
  // (The usual start, the file as the latest revision: no second parse of a large site.)
  const latestSite = latest.text === file.text ? file.site : loaded?.revision === latest.revision ? loadedSite : readNow(latest.text);
  if (latestSite === undefined) return { use: 'file', unreadable: latest };
  if (fileUnchanged || same(latestSite, file.site)) return { use: 'latest', latest, site: latestSite, keptOverFile: !same(latestSite, file.site) };
  return fromStartup(latest.source) ? { use: 'file' } : { use: 'file', overrides: latest };
}

/** A stored revision's document as this version reads it; undefined if it no longer validates. */
function readNow(text: string): SiteConfig | undefined {
  const r = parseSiteText(text);
  return r.ok ? r.site : undefined;
}

const same = (a: SiteConfig, b: SiteConfig) => a === b || JSON.stringify(a) === JSON.stringify(b);
