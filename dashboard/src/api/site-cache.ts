// The site configuration's directory (enterprise names, regions, lines, workshops, gateways), fetched
// once per session and again after a new revision is uploaded. Views read names and jurisdictions
// from it; live values come from the live store.
import type { Api } from './client.ts';
import { checkSite, type SiteEnterprise } from './shapes.ts';

export type SiteDirectory = { revision: number; enterprises: SiteEnterprise[] };

export class SiteCache {
  #pending: Promise<SiteDirectory> | null = null;
  #version = 0;

  constructor(private readonly api: Api) {}

  get version(): number {
    return this.#version;
  }

  get(): Promise<SiteDirectory> {
    this.#pending ??= this.api.get('/api/v1/site').then((b) => checkSite(b, 'site'));
    // A failed load is not cached: the next view tries again.
    this.#pending.catch(() => (this.#pending = null));
    return this.#pending;
  }

  invalidate(): void {
    this.#pending = null;
    this.#version++;
  }
}
