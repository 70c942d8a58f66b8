#!/usr/bin/env node
// `npm run scenarios`: `hazwatch scenarios` over every scenario folder present.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { run } from './lib/children.mjs';
import { scenarioDirs } from './lib/scenarios.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.exitCode = await run(process.execPath, [join(ROOT, 'server/bin/hazwatch.mjs'), 'scenarios', ...scenarioDirs(ROOT), ...process.argv.slice(2)], { cwd: ROOT });
