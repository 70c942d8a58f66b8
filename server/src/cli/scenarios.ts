import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { iso } from '@hazwatch/protocols';
import { runScenario, type ScenarioVerdict } from '../replay/scenario.ts';

/** Every `*.json` under the given files and folders, in a stable order. */
async function scenarioFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await stat(p);
    if (st.isDirectory()) {
      const names = (await readdir(p)).sort();
      out.push(...(await scenarioFiles(names.filter((n) => n.endsWith('.json') || !n.includes('.')).map((n) => join(p, n)))));
    } else if (p.endsWith('.json')) out.push(p);
  }
  return out;
}

const times = (o: Record<string, unknown>) =>
  JSON.stringify(o, (k, v) => (typeof v === 'number' && /At$|^since$/.test(k) ? iso(v) : v));

function describe(v: ScenarioVerdict): string[] {
  const lines: string[] = [];
  if (v.error) lines.push(`  ${v.error.replace(/\n/g, '\n  ')}`);
  for (const m of v.missing) lines.push(`  missing:    ${times(m)}`);
  for (const u of v.unexpected) {
    const { id: _id, detectedAt: _d, configRevision: _c, ...rest } = u;
    lines.push(`  unexpected: ${JSON.stringify(rest)}`);
  }
  for (const r of v.result?.rejected ?? []) lines.push(`  (input ${r.index} rejected: ${r.reason}: ${r.detail})`);
  return lines;
}

/** `hazwatch scenarios DIR...`: SPEC 6 scenario files through the live engine; exit 1 on any failure. */
export async function runScenarios(args: string[]): Promise<number> {
  if (args.length === 0 || args.includes('--help')) {
    console.log('usage: hazwatch scenarios DIR|FILE...   (runs every *.json scenario, prints PASS/FAIL and "N passed, N failed")');
    return args.length === 0 ? 2 : 0;
  }
  let files: string[];
  try {
    files = await scenarioFiles(args);
  } catch (err) {
    console.error(`hazwatch scenarios: ${(err as Error).message}`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const f of files) {
    let v: ScenarioVerdict;
    try {
      v = runScenario(JSON.parse(await readFile(f, 'utf8')), f);
    } catch (err) {
      v = { name: f, pass: false, missing: [], unexpected: [], error: `cannot be read: ${(err as Error).message}` };
    }
    if (v.pass) {
      passed++;
      console.log(`PASS ${v.name}`);
    } else {
      failed++;
      console.log(`FAIL ${v.name} (${f})`);
      for (const l of describe(v)) console.log(l);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && files.length > 0 ? 0 : 1;
}
