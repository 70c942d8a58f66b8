// Time from starting `hazwatch serve` to ready (GET /api/v1/ready answers 200) and to all live state
// restored (every workshop's live view and every active alarm served), with a large site and many
// active alarms left by a previous run in the same data dir.
import { LoadGenerator, gatewaysOf, syntheticSite } from '@hazwatch/simulators';
import { mqttUrlOf } from './ingest.ts';
import { startServe, waitFor } from './lib/procs.ts';
import { benchDir, withCleanup, writeSite } from './lib/site-file.ts';
import { accessOf, type Access } from './lib/access.ts';

export type StartupOptions = { workshops: number; activeAlarms: number };

export async function benchStartup(o: StartupOptions) {
  return withCleanup(async (defer) => {
    const tmp = benchDir('bench-startup');
    defer(tmp.remove);
    // Zero debounce so one reading per violating workshop raises its alarm; a long offline timeout so
    // the restart itself raises nothing.
    const site = syntheticSite({ enterprises: Math.ceil(o.workshops / 100), workshopsPerEnterprise: Math.min(100, o.workshops), defaults: { raiseAfterSeconds: 0, clearAfterSeconds: 0, offlineAfterSeconds: 86_400 } });
    const env = { HAZWATCH_SITE: writeSite(tmp.dir, site), HAZWATCH_DATA_DIR: tmp.dir, HAZWATCH_MQTT_HOST: '127.0.0.1', HAZWATCH_MQTT_PORT: '0' };
    let access: Access | undefined;
    const get = async (srv: { httpUrl: string }, path: string) => {
      const res = await fetch(`${srv.httpUrl}${path}`, { headers: access?.headers ?? {} });
      return { status: res.status, body: res.status === 200 ? ((await res.json()) as unknown) : null };
    };
    const activeCount = async (srv: { httpUrl: string }) => {
      const r = await get(srv, `/api/v1/alarms?state=active&limit=1000`);
      return Array.isArray(r.body) ? r.body.length : -1;
    };
    const first = await startServe(env, { demo: true });
    defer(() => first.kill('SIGKILL'));
    access = await accessOf(tmp.dir, first.httpUrl);
    const gateways = gatewaysOf(site);
    const gen = await LoadGenerator.connect({ url: await mqttUrlOf(first.output), gateways, credentials: access.gateway });
    // Whole gateways of violating workshops (one person over 定员 in each), until `activeAlarms`: the
    // platform persists its rule state with each batch's transitions, so ten alarms per batch stage
    // them ten times faster than one per batch.
    let left = o.activeAlarms;
    const violating = new Map<string, number>();
    for (const g of gateways) {
      if (left <= 0) break;
      const n = Math.min(left, g.workshops.length);
      violating.set(`${g.enterpriseId}/${g.gatewayId}`, n);
      left -= n;
    }
    await gen.publishEach((g, ts) => g.workshops.map((w, i) => ({ workshopId: w, ts, headcount: { total: i < (violating.get(`${g.enterpriseId}/${g.gatewayId}`) ?? 0) ? 4 : 1 }, materialKg: 100 })));
    await gen.close();
    const want = Math.min(o.activeAlarms, 1000);
    await waitFor(async () => (await activeCount(first)) >= want, `${want} active alarms`, 120_000, 100);
    await first.kill('SIGTERM');

    const second = await startServe(env, { demo: true });
    defer(() => second.kill());
    // The session of the first run may not survive the restart: log in again (after `ready`, below).
    let loggedIn = false;
    const t0 = second.startedAt;
    const ready = await waitFor(async () => ((await get(second, '/api/v1/ready')).status === 200 ? performance.now() : undefined), 'ready', 60_000, 5);
    const restored = await waitFor(async () => {
      if (!loggedIn) {
        access = await accessOf(tmp.dir, second.httpUrl);
        loggedIn = true;
      }
      const ws = (await get(second, '/api/v1/workshops')).body as { state?: string }[] | null;
      if (!ws || ws.length < o.workshops) return undefined;
      return (await activeCount(second)) >= want ? performance.now() : undefined;
    }, 'live state restored', 60_000, 5);
    return { options: o, workshops: o.workshops, activeAlarms: o.activeAlarms, readyMs: Math.round(ready - t0), restoredMs: Math.round(restored - t0) };
  });
}
