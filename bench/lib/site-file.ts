import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SiteConfig } from '@hazwatch/protocols';

/** A temp dir for one measurement; `remove` is idempotent. */
export function benchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `hazwatch-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The site as a JSON file (YAML is a superset, so `HAZWATCH_SITE` reads it). */
export function writeSite(dir: string, site: SiteConfig, name = 'site.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(site));
  return file;
}

/** Runs `fn` with cleanups that always run, last registered first. */
export async function withCleanup<T>(fn: (defer: (f: () => Promise<unknown> | unknown) => void) => Promise<T>): Promise<T> {
  const stops: (() => Promise<unknown> | unknown)[] = [];
  try {
    return await fn((f) => stops.push(f));
  } finally {
    for (const f of stops.reverse()) {
      try {
        await f();
      } catch (err) {
        console.error(`cleanup failed: ${(err as Error).message}`);
      }
    }
  }
}
