import { readFileSync } from 'node:fs';

/** The server package's version, for /api/v1/health and the banner. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
