// Rule-engine throughput on one core: readings per second of `RuleEngine.apply` for 1,000 and 10,000
// workshops, 10 % and 100 % change rate. Run: npx tsx bench/engine.ts [--quick] [--pre-parsed]
// [--unwatched] (also part of `npm run bench`). Not a test: prints figures.
//
// What is measured is the engine as the server runs it: `server/src/engine` bundled into plain
// JavaScript (as `hazwatch serve` bundles its sources at start; under tsx every closure would carry a
// defined `name` property, which the server never pays), after a warm-up run so that the figure is
// the steady state of a long-running process, not the compiler's first minutes. Each second's batches
// are made and parsed just before they are applied, as ingest hands the engine batches it has just
// parsed; only the `apply` calls are timed (zod's share is ingest's, measured by bench/ingest.ts). A
// full collection runs before each case, so that garbage of the cases before it and of the build is
// not collected on the case's time; what the engine's own work allocates is.
// `--pre-parsed` instead parses every batch up front (the method before: inputs long out of cache).
// `--unwatched`: as the server runs while no dashboard watches any enterprise, when it makes no live
// views (RuleEngine.viewsFor); by default every enterprise is watched, every view made.
import { rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SiteConfig, TelemetryBatch, type SiteConfigInput } from '@hazwatch/protocols';
import type { EngineInput, RuleEngine as RuleEngineClass } from '../server/src/engine/index.ts';
import { launcherNodeOptions } from './lib/procs.ts';

type Ent = SiteConfigInput['enterprises'][number];

/** The engine module bundled as the server bundles it; the sources as they are if bundling fails. */
async function engineModule(): Promise<{ RuleEngine: typeof RuleEngineClass; form: 'bundle' | 'source' }> {
  const entry = fileURLToPath(new URL('../server/src/engine/index.ts', import.meta.url));
  const out = join(tmpdir(), `hazwatch-bench-engine-${process.pid}.mjs`);
  try {
    const { build } = await import('esbuild');
    // Everything in one file (protocols and zod too), so that it loads from anywhere.
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: `node${process.versions.node}`, outfile: out, logLevel: 'silent' });
    const m = (await import(pathToFileURL(out).href)) as { RuleEngine: typeof RuleEngineClass };
    return { RuleEngine: m.RuleEngine, form: 'bundle' };
  } catch {
    return { RuleEngine: (await import('../server/src/engine/index.ts')).RuleEngine, form: 'source' };
  } finally {
    rmSync(out, { force: true });
  }
}

// The options the launcher runs the server with (V8 options only; server/bin/hazwatch says why), set
// before the engine's code loads: --no-allocation-site-pretenuring acts on what is allocated after it.
for (const option of launcherNodeOptions()) setFlagsFromString(option);
const { RuleEngine, form } = await engineModule();

/** A full garbage collection, asked for (the flag exposes `gc` to contexts made after it is set). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** A synthetic province: enterprises of 100 workshops, 10 per gateway, two workshops per line. */
export function syntheticSite(workshops: number): SiteConfig {
  const enterprises: Ent[] = [];
  for (let e = 0; e * 100 < workshops; e++) {
    const n = Math.min(100, workshops - e * 100);
    const ent: Ent = {
      id: `ent-${e}`, name: `企业${e}`, region: '370306', timezone: 'Asia/Shanghai',
      licence: { products: [{ product: 'emulsion', perYear: 1e12, unit: 'kg', warnAt: 9e11 }] },
      lines: [], workshops: [], gateways: [],
    };
    for (let l = 0; l < Math.ceil(n / 2); l++) ent.lines!.push({ id: `line-${l}`, name: `线${l}`, kind: 'explosive', staffingLimit: 3, product: 'emulsion', capacity: { perDay: 1e9, unit: 'kg' } });
    for (let w = 0; w < n; w++) {
      ent.workshops!.push({
        id: `ws-${w}`, name: `工房${w}`, hazardClass: '1.1', lines: [`line-${w >> 1}`], staffingLimit: 2, quantityLimitKg: 500, quantityWarnKg: 450,
        maxDwellMinutes: 120, operatingHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }],
      });
    }
    for (let g = 0; g * 10 < n; g++) {
      const ws = ent.workshops!.slice(g * 10, g * 10 + 10).map((w) => w.id);
      ent.gateways!.push({ id: `gw-${g}`, workshops: ws, lines: [...new Set(ws.map((w) => `line-${Number(w.slice(3)) >> 1}`))] });
    }
    enterprises.push(ent);
  }
  return SiteConfig.parse({ defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 60 }, enterprises });
}

/**
 * 1 Hz batches (one per gateway per second, a reading per workshop): yields each second's inputs,
 * made and parsed when asked for.
 */
export function* engineBenchSeconds(site: SiteConfig, start: number, seconds: number, changeRate = 0.1): Generator<EngineInput[]> {
  let rnd = 12345;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const seqs = new Map<string, number>();
  const state = new Map<string, { total: number; kg: number; since: number }>();
  for (let sec = 0; sec < seconds; sec++) {
    const at = start + sec * 1000;
    const inputs: EngineInput[] = [];
    for (const e of site.enterprises) {
      for (const g of e.gateways) {
        const k = `${e.id}/${g.id}`;
        const seq = (seqs.get(k) ?? 0) + 1;
        seqs.set(k, seq);
        const readings = g.workshops.map((w) => {
          // A door event or a scale change reaches a given workshop's reading with probability `changeRate`.
          let st = state.get(`${e.id}/${w}`);
          if (!st || rand() < changeRate) {
            st = { total: rand() < 0.02 ? 3 : Math.floor(rand() * 3), kg: Math.round(rand() * 480), since: at };
            state.set(`${e.id}/${w}`, st);
          }
          const { total, kg, since } = st;
          return {
            workshopId: w, ts: at,
            headcount: { total, persons: Array.from({ length: total }, (_, i) => ({ id: `P-${w}-${i}`, since })) },
            materialKg: kg,
          };
        });
        inputs.push({ kind: 'telemetry', at, enterpriseId: e.id, gatewayId: g.id, batch: TelemetryBatch.parse({ v: 1, gatewayId: g.id, seq, sentAt: at, readings }) });
      }
    }
    yield inputs;
  }
}

const START = Date.parse('2026-03-02T09:00:00+08:00');

/** Every input of `engineBenchSeconds`, parsed up front. */
export function engineBenchInputs(workshops: number, seconds: number, changeRate = 0.1) {
  const site = syntheticSite(workshops);
  return { site, start: START, inputs: [...engineBenchSeconds(site, START, seconds, changeRate)].flat() };
}

/** Feeds `seconds` of 1 Hz batches to a new engine: readings per second of `RuleEngine.apply`. */
export function benchEngine(workshops: number, seconds: number, changeRate = 0.1, opts: { preParsed?: boolean; unwatched?: boolean } = {}) {
  warmUp();
  const site = syntheticSite(workshops);
  const engine = new RuleEngine({ site, revision: 1, startedAt: START });
  if (opts.unwatched) engine.viewsFor(() => false);
  const secs = engineBenchSeconds(site, START, seconds, changeRate);
  const source = opts.preParsed ? [[...secs].flat()] : secs;
  collectGarbage();
  let readings = 0;
  let batches = 0;
  let transitions = 0;
  let ns = 0n;
  for (const inputs of source) {
    const t0 = process.hrtime.bigint();
    for (const i of inputs) transitions += engine.apply(i).transitions.length;
    ns += process.hrtime.bigint() - t0;
    batches += inputs.length;
    for (const i of inputs) readings += i.kind === 'telemetry' ? i.batch.readings.length : 0;
  }
  const ms = Number(ns) / 1e6;
  return { workshops, changeRate, engine: form, inputs: opts.preParsed ? 'pre-parsed' : 'fresh', views: opts.unwatched ? 'none' : 'all', readings, batches, transitions, ms: Math.round(ms), readingsPerSecond: Math.round((readings / ms) * 1000) };
}

let warm = false;
/** Once per process: both paths of the engine compiled and optimised before anything is timed. */
function warmUp(): void {
  if (warm) return;
  warm = true;
  for (const rate of [0.1, 1]) {
    const site = syntheticSite(500);
    const engine = new RuleEngine({ site, revision: 1, startedAt: START });
    for (const inputs of engineBenchSeconds(site, START, 20, rate)) for (const i of inputs) engine.apply(i);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const preParsed = process.argv.includes('--pre-parsed');
  const unwatched = process.argv.includes('--unwatched');
  const results = [
    benchEngine(1000, quick ? 5 : 60, 0.1, { preParsed, unwatched }),
    benchEngine(10_000, quick ? 2 : 20, 0.1, { preParsed, unwatched }),
    // Worst case: every reading of every workshop changes every value.
    benchEngine(1000, quick ? 5 : 60, 1, { preParsed, unwatched }),
    benchEngine(10_000, quick ? 2 : 20, 1, { preParsed, unwatched }),
  ];
  console.log(JSON.stringify({ bench: 'engine', node: process.version, results }, null, 2));
}
