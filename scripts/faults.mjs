#!/usr/bin/env node
// `npm run faults`: the fault suite (faults/run.ts, through tsx). Arguments pass through (--smoke,
// --speed=N, --cut-minutes=N, --seed=S); see BENCHMARKS.md.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/children.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.exitCode = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'faults', 'run.ts'), ...process.argv.slice(2)], { cwd: ROOT });
