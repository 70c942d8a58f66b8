// Writes scenarios/*.json from the definitions in ./cases. Run from the repository root:
//   npx tsx scenarios/build/generate.ts
// server/test/scenario-files.test.ts checks that the committed files are exactly what this writes.
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allScenarios, render } from './all.ts';

const dir = fileURLToPath(new URL('..', import.meta.url));
const scenarios = allScenarios();
const keep = new Set(scenarios.map((s) => s.file));
// Generated files only: a *.json here that no definition produces is stale.
for (const name of readdirSync(dir)) if (name.endsWith('.json') && !keep.has(name)) unlinkSync(join(dir, name));
for (const s of scenarios) writeFileSync(join(dir, s.file), render(s));
console.log(`wrote ${scenarios.length} scenarios to ${dir}`);
