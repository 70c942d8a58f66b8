// Rule-engine memory per workshop: the heap the engine retains at 10,000 workshops after 20 s of 1 Hz
// readings at a 10 % change rate (bench/engine.ts's site and inputs), measured after a full collection.
// Run: npx tsx bench/engine-memory.ts [--workshops N] [--seconds S] [--breakdown] [--entry path/to/index.ts]
// Not a test: prints figures.
//
// The engine is bundled as the server bundles its sources (under tsx every class and closure would
// carry what the server never pays). What is counted is the heap after the run less the heap before
// the engine was made, both after a full collection, with the inputs already dropped: what the engine
// itself keeps (facts, trackers, timers, caches of its live views). `--breakdown` also takes a heap
// snapshot and sums the self size of the objects by constructor (slow: seconds per 100 MB).
// `--entry` measures another copy of the engine's sources (an older revision, to compare).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RuleEngine as RuleEngineClass } from '../server/src/engine/index.ts';
import { engineBenchSeconds, syntheticSite } from './engine.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const WORKSHOPS = Number(arg('--workshops') ?? 10_000);
const SECONDS = Number(arg('--seconds') ?? 20);
const START = Date.parse('2026-03-02T09:00:00+08:00');

async function bundledEngine(entry: string): Promise<typeof RuleEngineClass> {
  const dir = mkdtempSync(join(tmpdir(), 'hazwatch-engine-memory-'));
  const out = join(dir, 'engine.mjs');
  try {
    const { build } = await import('esbuild');
    // The repository's packages resolve for a copy kept outside it too.
    const nodePaths = [fileURLToPath(new URL('../node_modules', import.meta.url))];
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: `node${process.versions.node}`, outfile: out, logLevel: 'silent', nodePaths });
    return ((await import(pathToFileURL(out).href)) as { RuleEngine: typeof RuleEngineClass }).RuleEngine;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Twice: objects freed by the first collection's weak callbacks go in the second.
  gc();
  gc();
}

/** Self size by constructor name over a heap snapshot, largest first. */
function breakdown(file: string): [string, number, number][] {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const by = new Map<string, [number, number]>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]!]! : `(${type})`;
    const e = by.get(name) ?? [0, 0];
    e[0] += snap.nodes[i + iSize]!;
    e[1]++;
    by.set(name, e);
  }
  return [...by].map(([n, [s, c]]) => [n, s, c] as [string, number, number]).sort((a, b) => b[1] - a[1]);
}

const entry = resolve(arg('--entry') ?? fileURLToPath(new URL('../server/src/engine/index.ts', import.meta.url)));
const RuleEngine = await bundledEngine(entry);
const site = syntheticSite(WORKSHOPS);
let before = 0;
let snapFile: string | undefined;
let baseline: Map<string, [number, number]> | undefined;
if (process.argv.includes('--breakdown')) {
  collectGarbage();
  snapFile = writeHeapSnapshot(join(tmpdir(), `hazwatch-engine-memory-${process.pid}-0.heapsnapshot`));
  baseline = new Map(breakdown(snapFile).map(([n, s, c]) => [n, [s, c]]));
  rmSync(snapFile, { force: true });
}
collectGarbage();
before = process.memoryUsage().heapUsed;
const engine = new RuleEngine({ site, revision: 1, startedAt: START });
let readings = 0;
for (const inputs of engineBenchSeconds(site, START, SECONDS, 0.1)) {
  for (const i of inputs) {
    engine.apply(i);
    if (i.kind === 'telemetry') readings += i.batch.readings.length;
  }
}
collectGarbage();
const after = process.memoryUsage().heapUsed;
const bytes = after - before;
const result: Record<string, unknown> = {
  bench: 'engine-memory', node: process.version, workshops: WORKSHOPS, seconds: SECONDS, readings,
  engineHeapBytes: bytes, bytesPerWorkshop: Math.round(bytes / WORKSHOPS),
};
if (baseline) {
  snapFile = writeHeapSnapshot(join(tmpdir(), `hazwatch-engine-memory-${process.pid}-1.heapsnapshot`));
  const rows = breakdown(snapFile);
  rmSync(snapFile, { force: true });
  // Growth over the heap before the engine, per workshop, for the constructors that grew most.
  result.perWorkshopByConstructor = rows
    .map(([n, s, c]) => [n, s - (baseline!.get(n)?.[0] ?? 0), c - (baseline!.get(n)?.[1] ?? 0)] as const)
    .filter(([, s]) => s > WORKSHOPS)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([n, s, c]) => ({ name: n, bytesPerWorkshop: Math.round(s / WORKSHOPS), count: c }));
}
// Keeps the engine alive up to here (a collection must not free it before the measurement).
result.engineClock = engine.clock();
console.log(JSON.stringify(result, null, 2));
