import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** `name/version` as the status payload reports it (SPEC 2). */
export const AGENT_NAME = `hazwatch-agent/${pkg.version}`;
