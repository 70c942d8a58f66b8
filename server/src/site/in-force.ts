// Which site configuration is in force when the platform starts (and what the CLI works from): the
// site file, or a revision made since through the API or the dashboard.
import type { SiteConfig } from '@hazwatch/protocols';
import type { ConfigStore, SiteRevision } from '../storage/config-store.ts';

/** Revisions that came from the site file at a start (`file:<path>`), or a site given to the server in code. */
const fromStartup = (source: string) => source.startsWith('file:') || source === 'startup';

const same = (a: SiteConfig, b: SiteConfig) => JSON.stringify(a) === JSON.stringify(b);

export type StartupChoice =
  /** No revision yet, or the file was changed since it was last loaded: the file becomes a new revision. */
  | { use: 'file'; overrides?: SiteRevision }
  /** The latest revision: the file itself, or a revision made since that the unchanged file must not undo. */
  | { use: 'latest'; latest: SiteRevision; keptOverFile: boolean };

/**
 * The file wins when it was edited since it was last loaded (someone changed it and restarted, as
 * before); an unchanged file does not undo a revision made through the API since. Otherwise a limit
 * lowered in the dashboard would silently return to the file's value at the next restart.
 * `overrides`: the later revision an edited file replaces, for the log.
 */
export function startupChoice(configs: ConfigStore, file: SiteConfig): StartupChoice {
  const latest = configs.latest();
  if (!latest) return { use: 'file' };
  if (same(latest.site, file)) return { use: 'latest', latest, keptOverFile: false };
  const lastLoaded = configs.list().find((r) => fromStartup(r.source));
  const loaded = lastLoaded && configs.get(lastLoaded.revision);
  if (loaded && same(loaded.site, file)) return { use: 'latest', latest, keptOverFile: true };
  return fromStartup(latest.source) ? { use: 'file' } : { use: 'file', overrides: latest };
}
