#!/usr/bin/env node
// `npm test`: lint and type-check (one check each), every vitest suite, then the rule scenarios, then
// one line `N passed, N failed` summed over all (also written to test-results/summary.txt for CI), so
// that CI, which runs `npm test`, checks what `npm run check` does. Exit 1 when anything failed or a
// runner broke down. Extra arguments go to vitest (`npm test -- edge-agent/test`); lint and type-check
// are then left out.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/children.mjs';
import { parseCounts, scenarioDirs } from './lib/scenarios.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'test-results');
const VITEST_JSON = join(RESULTS, 'vitest.json');
const SUMMARY = join(RESULTS, 'summary.txt');

mkdirSync(RESULTS, { recursive: true });
rmSync(VITEST_JSON, { force: true });
rmSync(SUMMARY, { force: true });

let passed = 0;
let failed = 0;
const problems = [];

const targeted = process.argv.length > 2;

// 0. lint and type-check, one check each (their own output says what is wrong).
if (!targeted) {
  for (const [name, bin, args] of [
    ['lint (eslint .)', 'node_modules/eslint/bin/eslint.js', ['.']],
    ['type-check (tsc)', 'node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json', '--noEmit']],
  ]) {
    const code = await run(process.execPath, [join(ROOT, bin), ...args], { cwd: ROOT });
    if (code === 0) passed += 1;
    else {
      failed += 1;
      problems.push(`${name} failed (exit ${code})`);
    }
  }
}

// 1. vitest, counted from its JSON report.
const vitestBin = join(ROOT, 'node_modules/vitest/vitest.mjs');
const vitestCode = await run(process.execPath, [vitestBin, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`, ...process.argv.slice(2)], { cwd: ROOT });
if (existsSync(VITEST_JSON)) {
  const report = JSON.parse(readFileSync(VITEST_JSON, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A file that fails before its tests run (an import error) has no failed test to count: count the file.
  const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'));
  failed += brokenFiles.length;
  if (brokenFiles.length) problems.push(`${brokenFiles.length} test file(s) failed outside their tests`);
  if (vitestCode !== 0 && report.numFailedTests === 0 && brokenFiles.length === 0) {
    failed += 1;
    problems.push(`vitest exited ${vitestCode} with errors outside the tests (see its output)`);
  }
} else {
  failed += 1;
  problems.push(`vitest wrote no report (exit ${vitestCode})`);
}

// 2. the scenario runner; its output is shown as it comes and its last line counted.
const dirs = scenarioDirs(ROOT);
if (dirs.length > 0) {
  const out = await new Promise((resolve) => {
    let text = '';
    const child = spawn(process.execPath, [join(ROOT, 'server/bin/hazwatch.mjs'), 'scenarios', ...dirs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => {
      text += d;
      process.stdout.write(d);
    });
    child.on('error', (err) => resolve({ text: `${text}\n${err.message}`, code: 127 }));
    child.on('close', (code) => resolve({ text, code }));
  });
  const counts = parseCounts(out.text);
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
  } else {
    failed += 1;
    problems.push(`the scenario runner ended without its "N passed, N failed" line (exit ${out.code})`);
  }
}

for (const p of problems) console.log(`test: ${p}`);
const line = `${passed} passed, ${failed} failed`;
writeFileSync(SUMMARY, `${line}\n`);
console.log(line);
process.exitCode = failed > 0 ? 1 : 0;
