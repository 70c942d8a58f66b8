// Resident memory of `hazwatch serve` under a steady 1 Hz load of every workshop (one batch per gateway
// per second), sampled from /proc; growth per minute is the least-squares slope over the second half
// of the run (the first half is warm-up: caches, JIT, SQLite pages).
import { LoadGenerator, gatewaysOf, syntheticSite } from '@hazwatch/simulators';
import { mqttUrlOf } from './ingest.ts';
import { peakRssOf, rssOf, startServe } from './lib/procs.ts';
import { benchDir, withCleanup, writeSite } from './lib/site-file.ts';
import { accessOf } from './lib/access.ts';

const IDLE_SETTLE_MS = 5000;

export type MemoryOptions = { workshops: number; seconds: number; sampleEverySeconds: number };

export async function benchMemory(o: MemoryOptions) {
  return withCleanup(async (defer) => {
    const tmp = benchDir('bench-memory');
    defer(tmp.remove);
    const site = syntheticSite({ enterprises: Math.ceil(o.workshops / 100), workshopsPerEnterprise: Math.min(100, o.workshops) });
    const serve = await startServe({ HAZWATCH_SITE: writeSite(tmp.dir, site), HAZWATCH_DATA_DIR: tmp.dir, HAZWATCH_MQTT_HOST: '127.0.0.1', HAZWATCH_MQTT_PORT: '0' }, { demo: true });
    defer(() => serve.kill());
    // Idle: a few seconds after ready, not at the instant of it, when start-up's garbage may or may not
    // have been collected yet (`hazwatch` collects it a second after ready: server/bin/hazwatch.mjs).
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const idleRss = rssOf(serve.pid);
    // The most it was resident at any time before the load: start's peak (reading the site, building
    // the engine), which a container's memory limit must allow as much as the figure under load.
    const startPeakRss = peakRssOf(serve.pid);
    const access = await accessOf(tmp.dir, serve.httpUrl);
    const gen = await LoadGenerator.connect({ url: await mqttUrlOf(serve.output), gateways: gatewaysOf(site), credentials: access.gateway });
    defer(() => gen.close());
    // RSS follows the V8 heap's saw-tooth (old space fills for several seconds, then a full collection
    // empties it): sampled every few seconds, the slope of a few points on a tooth of that period is
    // mostly aliasing. Growth is fitted to a sample every second; every `sampleEverySeconds`-th is kept.
    const fine: { s: number; rssMB: number }[] = [];
    const t0 = performance.now();
    const sample = () => fine.push({ s: (performance.now() - t0) / 1000, rssMB: rssOf(serve.pid) / 2 ** 20 });
    const sampler = setInterval(sample, Math.min(1, o.sampleEverySeconds) * 1000);
    defer(() => clearInterval(sampler));
    const load = await gen.run({ durationMs: o.seconds * 1000, batchesPerSecond: gen.size, inFlight: 16 });
    clearInterval(sampler);
    sample();
    const every = Math.max(1, Math.round(o.sampleEverySeconds));
    const samples = fine.filter((_, i) => (i + 1) % every === 0 || i === fine.length - 1);
    const late = fine.filter((x) => x.s >= o.seconds / 2);
    return {
      options: o,
      workshops: o.workshops,
      idleRssMB: round(idleRss / 2 ** 20),
      startPeakRssMB: round(startPeakRss / 2 ** 20),
      rssMB: round(fine.at(-1)!.rssMB),
      peakRssMB: round(Math.max(...fine.map((x) => x.rssMB))),
      // The middle of the saw-tooth over the second half: the final sample lands anywhere on a tooth.
      lateMedianRssMB: round(median(late.map((x) => x.rssMB))),
      growthMBPerMinute: round(slope(late.map((x) => x.s), late.map((x) => x.rssMB)) * 60),
      load: { batchesPerSecond: load.batchesPerSecond, readingsPerSecond: load.readingsPerSecond, behind: load.behind, failed: load.failed, ackMs: load.ackMs },
      samples: samples.map((x) => [round(x.s), round(x.rssMB)]),
    };
  });
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
