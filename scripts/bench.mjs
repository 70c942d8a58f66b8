#!/usr/bin/env node
// `npm run bench`: the whole benchmark (bench/run.ts, through tsx) — every figure beside its anchor, in
// one run, written to bench/results/<date>.json and .md. Arguments pass through (--quick, --smoke,
// --only=…); see bench/run.ts and BENCHMARKS.md.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/children.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.exitCode = (await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), ...process.argv.slice(2)], { cwd: ROOT })) === 0 ? 0 : 1;
