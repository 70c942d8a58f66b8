// Ingest throughput through the whole path (MQTT QoS 1 → validation → dedupe → rules → durable store →
// PUBACK) against its anchors measured in the same run: raw aedes QoS 1 pass-through of the same
// payloads (a subscriber that does nothing), and InfluxDB's own write rate of the same points.
import { LoadGenerator, gatewaysOf, syntheticSite, type LoadResult } from '@hazwatch/simulators';
import { toLineProtocol } from '../server/src/storage/influx-layout.ts';
import { startInfluxd, type Influxd } from '../server/test/infra.ts';
import { cpuSecondsOf, startRawAedes, startServe, waitFor } from './lib/procs.ts';
import { benchDir, withCleanup, writeSite } from './lib/site-file.ts';
import { OPEN, accessOf, type Access } from './lib/access.ts';
import type { Reading } from '@hazwatch/protocols';

export type IngestOptions = {
  /** Workshops of the synthetic site (100 per enterprise, 10 per gateway). */
  workshops: number;
  seconds: number;
  inFlight: number;
};

/**
 * `cpuMicrosPerBatch`: CPU time each process took per acknowledged batch over the measured run (user +
 * system, from /proc): the processes share the machine's cores, so this says where a path's time goes
 * whatever else the machine was doing, which throughput alone cannot. With `settle` (the InfluxDB
 * path: until InfluxDB has caught up), `cpuMicrosPerBatchSettled` counts the server's and influxd's
 * work until it returns too: what was acknowledged into the spool during the run is sent afterwards.
 */
type Throughput = LoadResult & { label: string; cpuMicrosPerBatch: Record<string, number>; cpuMicrosPerBatchSettled?: Record<string, number> };

async function closedLoop(
  url: string, workshops: number, seconds: number, inFlight: number, label: string, access: Access,
  processes: Record<string, number | undefined>, settle?: () => Promise<void>,
): Promise<Throughput> {
  const site = syntheticSite({ enterprises: Math.ceil(workshops / 100), workshopsPerEnterprise: Math.min(100, workshops) });
  const gen = await LoadGenerator.connect({ url, gateways: gatewaysOf(site), credentials: access.gateway });
  try {
    // A short warm-up (JIT, SQLite page cache) that is not counted.
    await gen.run({ durationMs: Math.min(1000, seconds * 200), inFlight });
    // The generator is this process alone (the others are its children); each of the others with its own.
    const others = Object.entries(processes).flatMap(([name, pid]) => (pid === undefined ? [] : [[name, () => cpuSecondsOf(pid)] as const]));
    const cpu = [['load generator', () => cpuSecondsOf(process.pid, false)] as const, ...others];
    const before = cpu.map(([, secondsOf]) => secondsOf());
    const r = await gen.run({ durationMs: seconds * 1000, inFlight });
    const perBatch = (used: number) => (r.acked > 0 ? Math.round((used / r.acked) * 1e7) / 10 : 0);
    const cpuMicrosPerBatch = Object.fromEntries(cpu.map(([name, secondsOf], i) => [name, perBatch(secondsOf() - before[i]!)]));
    if (!settle) return { label, ...r, cpuMicrosPerBatch };
    await settle();
    const cpuMicrosPerBatchSettled = Object.fromEntries(others.map(([name, secondsOf], i) => [name, perBatch(secondsOf() - before[i + 1]!)]));
    return { label, ...r, cpuMicrosPerBatch, cpuMicrosPerBatchSettled };
  } finally {
    await gen.close();
  }
}

/**
 * The anchor. `concurrency` (aedes's option; default 100) well above the batches in flight keeps every
 * message out of aedes's queue, which has the default broker settle at either of two throughputs for
 * a whole run under this load (BENCHMARKS.md): the second anchor, "aedes with room".
 */
export async function rawAedes(o: IngestOptions, concurrency?: number): Promise<Throughput & { concurrency?: number; subscriberReceived: number }> {
  return withCleanup(async (defer) => {
    const broker = await startRawAedes(concurrency !== undefined ? { concurrency } : {});
    defer(() => broker.kill());
    const label = concurrency !== undefined ? `raw aedes QoS 1 pass-through, concurrency ${concurrency}` : 'raw aedes QoS 1 pass-through';
    const r = await closedLoop(broker.url, o.workshops, o.seconds, o.inFlight, label, OPEN, { aedes: broker.pid });
    return { ...r, ...(concurrency !== undefined ? { concurrency } : {}), subscriberReceived: await broker.received() };
  });
}

export async function hazwatchIngest(o: IngestOptions, store: 'sqlite' | 'influxdb', influx?: Influxd): Promise<Throughput & { influxDrainMs?: number }> {
  return withCleanup(async (defer) => {
    const tmp = benchDir('bench-ingest');
    defer(tmp.remove);
    const site = syntheticSite({ enterprises: Math.ceil(o.workshops / 100), workshopsPerEnterprise: Math.min(100, o.workshops) });
    const env: Record<string, string> = { HAZWATCH_SITE: writeSite(tmp.dir, site), HAZWATCH_DATA_DIR: tmp.dir, HAZWATCH_MQTT_HOST: '127.0.0.1', HAZWATCH_MQTT_PORT: '0' };
    if (store === 'influxdb') Object.assign(env, { HAZWATCH_STORE: 'influxdb', HAZWATCH_INFLUX_API: 'v1', HAZWATCH_INFLUX_URL: influx!.url, HAZWATCH_INFLUX_BUCKET: `bench${Date.now()}` });
    const serve = await startServe(env, { demo: true });
    defer(() => serve.kill());
    const mqttUrl = await mqttUrlOf(serve.output);
    const access = await accessOf(tmp.dir, serve.httpUrl);
    const processes = { server: serve.pid, ...(influx ? { influxd: influx.pid() } : {}) };
    if (store !== 'influxdb') return closedLoop(mqttUrl, o.workshops, o.seconds, o.inFlight, `hazwatch ingest, ${store}`, access, processes);
    // Acknowledged means durable in the local spool; the copy in InfluxDB follows. How long it takes to
    // catch up tells whether InfluxDB keeps pace.
    let influxDrainMs = 0;
    const drained = async () => {
      const t0 = performance.now();
      await waitFor(async () => /^hazwatch_spool_depth (\d+)/m.exec(await (await fetch(`${serve.httpUrl}/metrics`, { headers: access.headers })).text())?.[1] === '0', 'the InfluxDB spool to drain', 120_000, 50);
      influxDrainMs = Math.round(performance.now() - t0);
    };
    const r = await closedLoop(mqttUrl, o.workshops, o.seconds, o.inFlight, `hazwatch ingest, ${store}`, access, processes, drained);
    return { ...r, influxDrainMs };
  });
}

/** The embedded broker's URL, from the banner `hazwatch serve` prints. */
export async function mqttUrlOf(output: { stdout: string }): Promise<string> {
  return waitFor(() => /MQTT\s+(mqtt:\/\/\S+)/.exec(output.stdout)?.[1], 'the MQTT URL in the banner', 10_000);
}

/** InfluxDB's own write rate of the points hazwatch writes for the same batches (same line protocol). */
export async function influxRaw(o: IngestOptions, influx: Influxd, pointsPerRequest: number): Promise<{ label: string; points: number; requests: number; elapsedMs: number; pointsPerSecond: number }> {
  const db = `raw${Date.now()}`;
  await fetch(`${influx.url}/query?${new URLSearchParams({ q: `CREATE DATABASE "${db}"` })}`, { method: 'POST' });
  const workshopsPerBatch = 10;
  let seq = 0;
  let points = 0;
  let requests = 0;
  const body = () => {
    const lines: string[] = [];
    let n = 0;
    while (n < pointsPerRequest) {
      seq++;
      const ts = Date.now();
      const readings: Reading[] = Array.from({ length: workshopsPerBatch }, (_, i) => ({ workshopId: `ws-${(seq * workshopsPerBatch + i) % o.workshops}`, ts, headcount: { total: i % 3 }, materialKg: (seq % 800) / 2 }));
      const lp = toLineProtocol({ enterpriseId: `ent-${seq % Math.ceil(o.workshops / 100)}`, gatewayId: `gw-${seq % 10}`, seq, sentAt: ts, receivedAt: ts }, readings);
      lines.push(lp.body);
      n += lp.points;
    }
    points += n;
    return lines.join('\n');
  };
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1000;
  await Promise.all(
    Array.from({ length: o.inFlight }, async () => {
      while (performance.now() < deadline) {
        const res = await fetch(`${influx.url}/write?${new URLSearchParams({ db, precision: 'ns' })}`, { method: 'POST', body: body() });
        if (res.status !== 204) throw new Error(`InfluxDB write: ${res.status} ${await res.text()}`);
        requests++;
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  return { label: `InfluxDB /write, ${pointsPerRequest} points per request`, points, requests, elapsedMs: Math.round(elapsedMs), pointsPerSecond: Math.round((points / elapsedMs) * 1000) };
}

export async function benchIngest(o: IngestOptions & { influx: boolean }) {
  // The anchor varies far more than hazwatch between runs on this kind of machine (28k-54k batches/s
  // within one quiet hour, against 12.3k-12.9k): it is measured three times, before, between and
  // after, and the median run is the anchor (all three are kept). Beside each, aedes with room for every
  // message in delivery (its `concurrency`): the default broker's fast mode, every run (rawAedes). Ten
  // times the batches in flight: at exactly those (800) it still queued in 20 s runs, the subscriber's
  // deliveries holding messages in delivery too (38-40k batches/s, against 52-54k at 10,000).
  const roomy = Math.max(1000, Math.ceil(o.workshops / 10) * o.inFlight * 10);
  const raws = [await rawAedes(o)];
  const roomies = [await rawAedes(o, roomy)];
  const sqlite = await hazwatchIngest(o, 'sqlite');
  raws.push(await rawAedes(o));
  roomies.push(await rawAedes(o, roomy));
  const out: Record<string, unknown> = { options: o, sqlite };
  if (o.influx) {
    await withCleanup(async (defer) => {
      const tmp = benchDir('bench-influx');
      defer(tmp.remove);
      const influx = await startInfluxd(tmp.dir);
      defer(() => influx.stop());
      const influxdb = await hazwatchIngest(o, 'influxdb', influx);
      // A gateway batch of the generator (10 workshops, no split by line) is 10 points: 20 points per
      // request is two batches, about what the spool sends when it keeps up; 5,000 is InfluxDB's best case.
      const rawSmall = await influxRaw(o, influx, 20);
      const rawLarge = await influxRaw(o, influx, 5000);
      Object.assign(out, { influxdb, influxRaw: [rawSmall, rawLarge] });
    });
  } else out.influxdb = 'skipped';
  raws.push(await rawAedes(o));
  roomies.push(await rawAedes(o, roomy));
  const median = <T extends { batchesPerSecond: number }>(runs: T[]) => [...runs].sort((a, b) => a.batchesPerSecond - b.batchesPerSecond)[1]!;
  const raw = median(raws);
  const roomyRaw = median(roomies);
  Object.assign(out, {
    rawAedes: raw, rawAedesRuns: raws.map((r) => r.batchesPerSecond), sqliteVsRaw: ratio(sqlite.batchesPerSecond, raw.batchesPerSecond),
    rawAedesRoomy: roomyRaw, rawAedesRoomyRuns: roomies.map((r) => r.batchesPerSecond), sqliteVsRoomy: ratio(sqlite.batchesPerSecond, roomyRaw.batchesPerSecond),
  });
  if (typeof out.influxdb === 'object') {
    const influxBps = (out.influxdb as { batchesPerSecond: number }).batchesPerSecond;
    Object.assign(out, { influxdbVsRaw: ratio(influxBps, raw.batchesPerSecond), influxdbVsRoomy: ratio(influxBps, roomyRaw.batchesPerSecond) });
  }
  return out;
}

function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 1000) / 1000 : 0;
}
