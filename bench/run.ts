// `npm run bench`: every figure beside its anchor, measured in one run on one machine, written to
// bench/results/<date>.json (and a Markdown summary beside it, for BENCHMARKS.md).
//   --quick   shorter runs and smaller sites (a few minutes in all)
//   --smoke   seconds only, to keep the benchmark working in CI; writes to --out (default: test-results/bench-smoke.json)
//   --only=ingest,latency,engine,memory,startup,revision   a subset
//   --seconds=N (ingest), --memory-seconds=N, --probes=N, --no-influx, --out=FILE
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { benchEngine } from './engine.ts';
import { benchIngest } from './ingest.ts';
import { benchLatency } from './latency.ts';
import { benchMemory } from './memory.ts';
import { benchRevision } from './revision.ts';
import { benchStartup } from './startup.ts';
import { ROOT, machine } from './lib/procs.ts';
import { summarise } from './lib/summary.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const num = (name: string, dflt: number) => {
  const v = value(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${v}`);
  return n;
};
const mode = flag('smoke') ? 'smoke' : flag('quick') ? 'quick' : 'full';
const pick = <T>(full: T, quick: T, smoke: T) => (mode === 'full' ? full : mode === 'quick' ? quick : smoke);
const only = new Set((value('only') ?? 'ingest,latency,engine,memory,startup,revision').split(','));
const influx = !flag('no-influx') && existsSync('/usr/bin/influxd');

const started = new Date();
const results: Record<string, unknown> = { started: started.toISOString(), mode, machine: machine(), command: `npm run bench -- ${args.join(' ')}`.trim() };
const out = value('out') ?? (mode === 'smoke' ? join(ROOT, 'test-results', 'bench-smoke.json') : join(ROOT, 'bench', 'results', `${started.toISOString().slice(0, 19).replace(/:/g, '-')}${mode === 'full' ? '' : `-${mode}`}.json`));
mkdirSync(join(out, '..'), { recursive: true });
const save = () => {
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(out.replace(/\.json$/, '.md'), summarise(results));
};
let failures = 0;
// Each part is saved as soon as it is measured; a part that fails is recorded and the rest still run.
const step = async (name: string, fn: () => Promise<unknown>) => {
  if (!only.has(name)) return;
  const t0 = performance.now();
  console.error(`bench: ${name} …`);
  try {
    results[name] = await fn();
    console.error(`bench: ${name} done in ${Math.round((performance.now() - t0) / 1000)} s`);
  } catch (err) {
    failures++;
    results[`${name}Error`] = (err as Error).stack ?? String(err);
    console.error(`bench: ${name} FAILED after ${Math.round((performance.now() - t0) / 1000)} s: ${(err as Error).message}`);
  }
  save();
};

let capacity = 0;
await step('ingest', async () => {
  const r = (await benchIngest({ workshops: pick(1000, 1000, 100), seconds: num('seconds', pick(20, 8, 1)), inFlight: 8, influx: influx && mode !== 'smoke' })) as { sqlite: { batchesPerSecond: number } };
  capacity = r.sqlite.batchesPerSecond;
  return r;
});
await step('latency', async () =>
  benchLatency({ workshops: pick(1000, 1000, 100), capacity: capacity || num('capacity', pick(1500, 1500, 200)), probes: num('probes', pick(300, 100, 3)), levels: [0, 0.5, 0.9] }),
);
await step('engine', async () =>
  mode === 'smoke'
    ? [benchEngine(1000, 2), benchEngine(10_000, 1)]
    : [
        benchEngine(1000, pick(60, 10, 2)),
        benchEngine(10_000, pick(20, 4, 1)),
        benchEngine(1000, pick(60, 10, 2), 1),
        benchEngine(10_000, pick(20, 4, 1), 1),
        // As the server runs while no dashboard watches: no live views made (RuleEngine.viewsFor).
        benchEngine(1000, pick(60, 10, 2), 0.1, { unwatched: true }),
        benchEngine(10_000, pick(20, 4, 1), 0.1, { unwatched: true }),
      ],
);
await step('memory', async () => {
  const seconds = num('memory-seconds', pick(300, 60, 3));
  const every = pick(10, 5, 1);
  const small = await benchMemory({ workshops: pick(1000, 1000, 100), seconds, sampleEverySeconds: every });
  return mode === 'smoke' ? [small] : [small, await benchMemory({ workshops: 10_000, seconds, sampleEverySeconds: every })];
});
await step('startup', async () => benchStartup({ workshops: pick(10_000, 10_000, 500), activeAlarms: pick(1000, 1000, 20) }));
await step('revision', async () => benchRevision({ workshops: pick(10_000, 10_000, 500), rounds: pick(5, 3, 1) }));
results.finished = new Date().toISOString();
save();
console.log(summarise(results));
console.log(`bench: results in ${out}`);
process.exitCode = failures > 0 ? 1 : 0;
