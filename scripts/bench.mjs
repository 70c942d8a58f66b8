#!/usr/bin/env node
// `npm run bench`: runs every bench/*.ts (through tsx) one after the other; none yet is not an error.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/children.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = join(ROOT, 'bench');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).sort() : [];
if (files.length === 0) console.log('bench: no benchmarks yet (bench/*.ts)');
let failed = 0;
for (const f of files) {
  console.log(`bench: ${f}`);
  if ((await run(process.execPath, ['--import', 'tsx', join(dir, f), ...process.argv.slice(2)], { cwd: ROOT })) !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
