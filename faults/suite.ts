// The fault suite: a simulated site drives real edge agents (spool, seq, will) through an external
// Mosquitto into `hazwatch serve` with the InfluxDB store, on a compressed timeline, while the script
// SIGKILLs the server, stops InfluxDB, restarts the broker and cuts one gateway's network for an hour
// of simulated time. Then it counts readings sent (seen on the wire), stored, duplicated and lost, and
// judges the alarms against the ones the script caused.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import type { AlarmRecord } from '@hazwatch/protocols';
import { createAgentWith, parseAgentConfig, simulatorInput, type CreatedAgent } from '@hazwatch/edge-agent';
import { RealtimeSimulation, SiteSimulator } from '@hazwatch/simulators';
import { freePort, startInfluxd, type Influxd } from '../server/test/infra.ts';
import { startServe, waitFor, type Serve } from '../bench/lib/procs.ts';
import { benchDir, withCleanup, writeSite } from '../bench/lib/site-file.ts';
import { accessOf } from '../bench/lib/access.ts';
import { TIMELINE_ENV, encodeTimeline, simNow, timelineClock, type Timeline } from './clock.ts';
import { expectedFromViolations, judge, type Expected, type Judgement } from './expected.ts';
import { startPersistentMosquitto } from './mosquitto.ts';
import { startCutProxy, type CutProxy } from './proxy.ts';
import { CLEAR_AFTER_SECONDS, OFFLINE_AFTER_SECONDS, RAISE_AFTER_SECONDS, faultSite } from './site.ts';

const SERVE_CHILD = new URL('./serve-child.ts', import.meta.url).pathname;

export type FaultOptions = {
  /** Simulated seconds per wall second. */
  speed: number;
  /** Simulated minutes of each phase: before the first fault, between faults, the cut, and after. */
  warmupMinutes: number;
  gapMinutes: number;
  cutMinutes: number;
  settleMinutes: number;
  seed: number | string;
  log?: (line: string) => void;
};

export type FaultReport = {
  options: Omit<FaultOptions, 'log'>;
  timeline: { at: string; simMinute: number; event: string }[];
  readings: { sent: number; stored: number; duplicated: number; lost: number; lostSample: string[]; duplicatedSample: string[] };
  batches: { taken: number; seenOnWire: number; lostBeforeBroker: number; droppedBySpool: number };
  alarms: Judgement & { expectedList: Expected[] };
  ok: boolean;
};

type Key = string;

export async function runFaults(o: FaultOptions): Promise<FaultReport> {
  const say = o.log ?? (() => undefined);
  return withCleanup(async (defer) => {
    const tmp = benchDir('faults');
    defer(tmp.remove);
    const site = faultSite();
    const ent = site.enterprises[0]!;
    const timeline: Timeline = { simStart: Date.now(), wallAnchor: Date.now(), speed: o.speed };
    const minute = (m: number) => timeline.simStart + m * 60_000;
    const events: FaultReport['timeline'] = [];
    const note = (event: string) => {
      const t = simNow(timeline);
      events.push({ at: new Date(t).toISOString(), simMinute: Math.round(((t - timeline.simStart) / 60_000) * 10) / 10, event });
      say(`faults: [sim ${events.at(-1)!.simMinute} min] ${event}`);
    };
    const nowMinute = () => (simNow(timeline) - timeline.simStart) / 60_000;
    const untilMinute = (m: number) => waitFor(() => simNow(timeline) >= minute(m), `simulated minute ${m}`, ((m * 60_000) / o.speed) + 120_000, 5);

    const mosquitto = await startPersistentMosquitto(tmp.dir, await freePort());
    defer(() => mosquitto.stop());
    const influx: Influxd = await startInfluxd(tmp.dir);
    defer(() => influx.stop());
    const env: Record<string, string> = {
      HAZWATCH_SITE: writeSite(tmp.dir, site),
      HAZWATCH_DATA_DIR: join(tmp.dir, 'server'),
      HAZWATCH_MQTT_URL: mosquitto.url,
      HAZWATCH_STORE: 'influxdb', HAZWATCH_INFLUX_API: 'v1', HAZWATCH_INFLUX_URL: influx.url, HAZWATCH_INFLUX_BUCKET: 'faults',
      HAZWATCH_INFLUX_RETRY_MIN_MS: '50', HAZWATCH_INFLUX_RETRY_MAX_MS: '500',
      [TIMELINE_ENV]: encodeTimeline(timeline),
    };
    let server: Serve = await startServe(env, { entry: SERVE_CHILD });
    defer(() => server.kill('SIGKILL'));
    // The external broker is Mosquitto, open on loopback: only the HTTP API needs a session.
    const headers = async () => (await accessOf(env.HAZWATCH_DATA_DIR!, server.httpUrl)).headers;

    // The wire, as the broker delivers it: every telemetry batch any gateway got through.
    const wire = new Map<Key, { gw: string; seq: number; keys: Key[] }>();
    const observer = await mqtt.connectAsync(mosquitto.url, { clientId: 'faults-observer', clean: false, reconnectPeriod: 200 });
    defer(() => observer.endAsync(true));
    observer.on('message', (topic, payload) => {
      const gw = topic.split('/')[3]!;
      const b = JSON.parse(payload.toString('utf8')) as { seq: number; readings: { workshopId?: string; lineId?: string; ts: number }[] };
      wire.set(`${gw}/${b.seq}`, { gw, seq: b.seq, keys: b.readings.map((r) => readingKey(gw, b.seq, r.workshopId ?? `line:${r.lineId}`, r.ts)) });
    });
    await observer.subscribeAsync('hazwatch/v1/+/+/telemetry', { qos: 1 });

    const continuous = timelineClock(timeline);
    const sim = new SiteSimulator({ site, seed: o.seed, start: continuous.now(), violations: { everySeconds: 150, minSeconds: 20, maxSeconds: 40 } });
    // Ticks of one simulated second, caught up about once per tick of wall time.
    const simulation = new RealtimeSimulation(sim, { now: continuous.now, intervalMs: Math.max(1, Math.floor(1000 / o.speed)) });
    // The agents read the simulation's time, not the continuous one: a heartbeat stamped between a tick
    // and the step that computes it would otherwise be newer than that tick's change (a lag of the
    // compressed harness, not of a site: the agent restamps such a change to the heartbeat's time).
    const clock = { ...continuous, now: () => sim.now };
    const proxies = new Map<string, CutProxy>();
    const agents: (CreatedAgent & { gatewayId: string })[] = [];
    const logger = pino({ level: 'silent' });
    for (const g of ent.gateways) {
      const proxy = await startCutProxy({ host: '127.0.0.1', port: mosquitto.port });
      defer(() => proxy.close());
      proxies.set(g.id, proxy);
      const config = parseAgentConfig(
        {
          enterpriseId: ent.id, gatewayId: g.id, dataDir: join(tmp.dir, 'agents', g.id),
          mqtt: { url: proxy.url, reconnectSeconds: 0.2, keepaliveSeconds: 5 },
          heartbeatSeconds: 10,
          spool: { maxBatches: 1_000_000, inFlight: 32, replayPerSecond: 10_000 },
          input: { kind: 'simulator', site: 'unused', seed: String(o.seed) },
        },
        tmp.dir,
        `fault agent ${g.id}`,
      );
      const created = createAgentWith(config, simulatorInput({ simulation, enterpriseId: ent.id, gatewayId: g.id }), logger, { clock });
      agents.push({ ...created, gatewayId: g.id });
    }
    await Promise.all(agents.map((a) => a.agent.start()));
    let agentsStopped = false;
    const stopAgents = async () => {
      if (agentsStopped) return;
      agentsStopped = true;
      await Promise.all(agents.map((a) => a.agent.stop()));
    };
    defer(stopAgents);
    simulation.start();
    defer(() => simulation.stop());
    note('site running: 3 gateways × 3 workshops, scripted 超员/超量 every ~150 s');

    // Each phase counts from the end of the one before (starting a process takes simulated time too,
    // more the faster the timeline runs), so every fault lasts as long as it says.
    const after = (minutes: number) => untilMinute(nowMinute() + minutes);
    await after(o.warmupMinutes);
    note('SIGKILL hazwatch serve');
    await server.kill('SIGKILL');
    server = await startServe(env, { entry: SERVE_CHILD });
    note('hazwatch serve started again');

    await after(o.gapMinutes);
    note('InfluxDB stopped');
    await influx.stop();
    await after(o.gapMinutes);
    await influx.start();
    note('InfluxDB started again');

    await after(o.gapMinutes);
    note('broker (Mosquitto) restarting');
    await mosquitto.restart();
    // Back means back for the platform too: its own reconnection takes a second of real time (minutes
    // of simulated time), during which gateway silence is not blamed on the gateways (the broker is
    // part of the platform), so the next fault starts from there.
    const brokerHeaders = await headers();
    await waitFor(async () => /^hazwatch_broker_connected 1/m.test(await (await fetch(`${server.httpUrl}/metrics`, { headers: brokerHeaders })).text()), 'the platform to reconnect to the broker', 60_000, 20);
    note('broker back');

    await after(o.gapMinutes);
    const cutGateway = ent.gateways.at(-1)!.id;
    proxies.get(cutGateway)!.cut();
    const cutAt = simNow(timeline);
    note(`network of ${cutGateway} cut for ${o.cutMinutes} simulated minutes`);
    await after(o.cutMinutes);
    proxies.get(cutGateway)!.restore();
    const restoredAt = simNow(timeline);
    note(`network of ${cutGateway} restored`);

    await after(o.settleMinutes);
    // The script ends between violations, so every expected alarm has both ends.
    await waitFor(() => sim.activeViolation === null, 'the running violation to end', 120_000, 5);
    simulation.stop();
    const endedAt = simNow(timeline);
    note('simulation stopped; waiting for every spool to drain');
    await waitFor(() => agents.every((a) => a.health().spool.buffered === 0 && a.publisher.connected), 'the agents to deliver everything', 120_000, 20).catch((err: Error) => {
      const states = agents.map((a) => `${a.gatewayId}: ${a.health().spool.buffered} buffered, ${a.publisher.connected ? 'connected' : 'not connected'}`);
      throw new Error(`${err.message} (${states.join('; ')})`);
    });
    const h = await headers();
    let metrics = '';
    await waitFor(async () => {
      metrics = await (await fetch(`${server.httpUrl}/metrics`, { headers: h })).text();
      return /^hazwatch_spool_depth (\d+)/m.exec(metrics)?.[1] === '0';
    }, 'the InfluxDB spool to drain', 60_000, 50).catch((err: Error) => {
      throw new Error(`${err.message}; metrics: ${metrics.split('\n').filter((l) => /spool|influx|store/.test(l) && !l.startsWith('#')).join('; ')}; server stderr: ${server.output.stderr.slice(-1500)}`);
    });
    // Heartbeats carry the platform's clock past the last clear.
    const settled = endedAt + (CLEAR_AFTER_SECONDS + 30) * 1000;
    await waitFor(() => simNow(timeline) >= settled, 'the last clear', 60_000, 5);
    note('collecting alarms');
    const alarmsRes = await fetch(`${server.httpUrl}/api/v1/alarms?state=all&limit=1000`, { headers: h });
    if (alarmsRes.status !== 200) throw new Error(`GET alarms: ${alarmsRes.status} ${await alarmsRes.text()}`);
    const produced = ((await alarmsRes.json()) as AlarmRecord[]).filter((a) => a.enterpriseId === ent.id);
    // Then the agents stop (their heartbeats would keep adding readings while they are counted) and
    // everything they sent is waited for: on the wire, and through the InfluxDB spool.
    await stopAgents();
    const seqs = new Map<string, Set<number>>();
    const taken = () => agents.reduce((n, a) => n + a.publisher.stats.nextSeq - 1, 0);
    await waitFor(() => wire.size >= taken(), `the observer to see all ${taken()} batches`, 30_000, 20).catch(() => undefined);
    for (const b of wire.values()) (seqs.get(b.gw) ?? seqs.set(b.gw, new Set()).get(b.gw)!).add(b.seq);
    // seq never skips (edge agent): a gap on the wire is a batch lost before the broker.
    const gaps = [...seqs.values()].reduce((n, set) => n + Math.max(...set) - set.size, 0);
    await waitFor(async () => {
      metrics = await (await fetch(`${server.httpUrl}/metrics`, { headers: h })).text();
      return /^hazwatch_spool_depth (\d+)/m.exec(metrics)?.[1] === '0';
    }, 'the InfluxDB spool to drain after the agents stopped', 60_000, 50);
    note('collecting readings');

    // Stored readings, as the platform serves them (store-agnostic: the same API for SQLite).
    const stored = new Map<Key, number>();
    const from = timeline.simStart - 60_000;
    const to = simNow(timeline) + 60_000;
    const subjects = [...ent.workshops.map((w) => ['workshops', w.id] as const), ...ent.lines.map((l) => ['lines', l.id] as const)];
    for (const [kind, id] of subjects) {
      const res = await fetch(`${server.httpUrl}/api/v1/telemetry/${kind}/${id}?enterpriseId=${ent.id}&from=${from}&to=${to}&limit=10000`, { headers: h });
      if (res.status !== 200) throw new Error(`GET telemetry ${kind}/${id}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { readings: { gatewayId: string; seq: number; ts: string; workshopId?: string; lineId?: string }[] };
      if (body.readings.length >= 10_000) throw new Error(`more than 10,000 readings of ${id}: shorten the run`);
      for (const r of body.readings) {
        const k = readingKey(r.gatewayId, r.seq, r.workshopId ?? `line:${r.lineId}`, Date.parse(r.ts));
        stored.set(k, (stored.get(k) ?? 0) + 1);
      }
    }
    // Multisets: a batch may carry one subject twice at one instant (a change and a heartbeat).
    const sent = new Map<Key, number>();
    for (const b of wire.values()) for (const k of b.keys) sent.set(k, (sent.get(k) ?? 0) + 1);
    let duplicated = 0;
    let lost = 0;
    const lostKeys: Key[] = [];
    const duplicatedKeys: Key[] = [];
    for (const [k, n] of sent) {
      const got = stored.get(k) ?? 0;
      if (got < n) {
        lost += n - got;
        lostKeys.push(k);
      }
      if (got > n) {
        duplicated += got - n;
        duplicatedKeys.push(k);
      }
    }
    for (const [k, n] of stored) {
      if (sent.has(k)) continue;
      duplicated += n;
      duplicatedKeys.push(k);
    }

    const expected = [
      ...expectedFromViolations(sim.violations, RAISE_AFTER_SECONDS * 1000, CLEAR_AFTER_SECONDS * 1000),
      {
        type: 'gateway-offline',
        subject: { gatewayId: cutGateway },
        // Raised once its last will arrives (at the cut) or its silence passes offlineAfterSeconds.
        window: { from: cutAt, to: restoredAt + (OFFLINE_AFTER_SECONDS + RAISE_AFTER_SECONDS) * 1000 },
        why: `network of ${cutGateway} cut ${new Date(cutAt).toISOString()}–${new Date(restoredAt).toISOString()}`,
      },
    ];
    const alarms = judge(expected, produced);
    const droppedBySpool = agents.reduce((n, a) => n + a.publisher.stats.dropped, 0);
    const report: FaultReport = {
      options: { speed: o.speed, warmupMinutes: o.warmupMinutes, gapMinutes: o.gapMinutes, cutMinutes: o.cutMinutes, settleMinutes: o.settleMinutes, seed: o.seed },
      timeline: events,
      readings: { sent: [...sent.values()].reduce((a, b) => a + b, 0), stored: [...stored.values()].reduce((a, b) => a + b, 0), duplicated, lost, lostSample: describeKeys(lostKeys), duplicatedSample: describeKeys(duplicatedKeys) },
      batches: { taken: taken(), seenOnWire: wire.size, lostBeforeBroker: gaps, droppedBySpool },
      alarms: { ...alarms, expectedList: expected },
      ok: lost === 0 && duplicated === 0 && gaps === 0 && droppedBySpool === 0 && alarms.missed.length === 0 && alarms.extra.length === 0,
    };
    return report;
  });
}

/** Per gateway: how many, the seq range and the time range, for a report a person can read. */
function describeKeys(keys: Key[]): string[] {
  const by = new Map<string, { n: number; seqs: number[]; ts: number[] }>();
  for (const k of keys) {
    const [gw, seq, , ts] = k.split('/');
    const e = by.get(gw!) ?? { n: 0, seqs: [], ts: [] };
    e.n++;
    e.seqs.push(Number(seq));
    e.ts.push(Number(ts));
    by.set(gw!, e);
  }
  return [...by].map(([gw, e]) => `${gw}: ${e.n} readings, seq ${Math.min(...e.seqs)}–${Math.max(...e.seqs)}, ts ${new Date(Math.min(...e.ts)).toISOString()}–${new Date(Math.max(...e.ts)).toISOString()}`);
}

function readingKey(gw: string, seq: number, subject: string, ts: number): Key {
  return `${gw}/${seq}/${subject}/${ts}`;
}
