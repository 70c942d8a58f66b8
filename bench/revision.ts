// A new site configuration revision at 10,000 workshops: how long `PUT /api/v1/site` takes, and the
// longest the server's event loop was held meanwhile (no MQTT acknowledgement, socket.io push or HTTP
// answer goes out while it is). Each round changes one limit of one enterprise (what an enterprise
// admin's edit in the dashboard sends); the last changes the site's defaults, which every enterprise's
// rules read, so the whole site is rebuilt. The longest block is the server's own measure,
// `hazwatch_nodejs_eventloop_lag_max_seconds` of /metrics (prom-client: since the scrape before,
// to its 10 ms resolution), read just before and just after each revision.
// Run: npx tsx bench/revision.ts [--quick]   (also part of `npm run bench`). Not a test: prints figures.
import { syntheticSite } from '@hazwatch/simulators';
import type { SiteConfigInput } from '@hazwatch/protocols';
import { startServe } from './lib/procs.ts';
import { benchDir, withCleanup, writeSite } from './lib/site-file.ts';
import { accessOf } from './lib/access.ts';

export type RevisionOptions = { workshops: number; rounds: number };

export async function benchRevision(o: RevisionOptions) {
  return withCleanup(async (defer) => {
    const tmp = benchDir('bench-revision');
    defer(tmp.remove);
    const site = syntheticSite({ enterprises: Math.ceil(o.workshops / 100), workshopsPerEnterprise: Math.min(100, o.workshops), defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 86_400 } });
    const env = { HAZWATCH_SITE: writeSite(tmp.dir, site), HAZWATCH_DATA_DIR: tmp.dir, HAZWATCH_MQTT_HOST: '127.0.0.1', HAZWATCH_MQTT_PORT: '0' };
    const srv = await startServe(env, { demo: true });
    defer(() => srv.kill('SIGKILL'));
    const access = await accessOf(tmp.dir, srv.httpUrl);
    const lagMaxMs = async () => {
      const res = await fetch(`${srv.httpUrl}/metrics`, { headers: access.headers });
      const m = /^hazwatch_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(await res.text());
      if (!m) throw new Error('no hazwatch_nodejs_eventloop_lag_max_seconds in /metrics');
      return Number(m[1]) * 1000;
    };
    const put = async (doc: SiteConfigInput) => {
      await lagMaxMs();
      const t0 = performance.now();
      const res = await fetch(`${srv.httpUrl}/api/v1/site`, { method: 'PUT', headers: { ...access.headers, 'content-type': 'application/json' }, body: JSON.stringify(doc) });
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`PUT /api/v1/site: ${res.status} ${await res.text()}`);
      return { responseMs: Math.round(ms), longestBlockMs: Math.round(await lagMaxMs()) };
    };
    const oneEnterprise = [];
    for (let k = 0; k < o.rounds; k++) {
      const next = structuredClone(site) as SiteConfigInput;
      const ws = next.enterprises[(k * 37) % next.enterprises.length]!.workshops![k % 10]!;
      ws.staffingLimit = (ws.staffingLimit ?? 2) + 1 + k;
      oneEnterprise.push(await put(next));
    }
    const whole = structuredClone(site) as SiteConfigInput;
    whole.defaults = { ...whole.defaults, raiseAfterSeconds: 6 };
    const defaults = await put(whole);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return {
      workshops: o.workshops,
      oneEnterprise: {
        rounds: oneEnterprise,
        medianResponseMs: median(oneEnterprise.map((r) => r.responseMs)),
        medianLongestBlockMs: median(oneEnterprise.map((r) => r.longestBlockMs)),
        maxLongestBlockMs: Math.max(...oneEnterprise.map((r) => r.longestBlockMs)),
      },
      defaults,
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  console.log(JSON.stringify({ bench: 'revision', result: await benchRevision({ workshops: quick ? 1000 : 10_000, rounds: quick ? 3 : 5 }) }, null, 2));
}
