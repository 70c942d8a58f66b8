// Rule-engine throughput on one core: readings per second for 1,000 and 10,000 workshops.
// Run: npx tsx bench/engine.ts [--quick]   (also part of `npm run bench`). Not a test: prints figures.
import { SiteConfig, TelemetryBatch, type SiteConfigInput } from '@hazwatch/protocols';
import { RuleEngine } from '../server/src/engine/index.ts';

type Ent = SiteConfigInput['enterprises'][number];

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

/** Feeds 1 Hz batches (one per gateway per second, a reading per workshop) for `seconds` of event time. */
export function benchEngine(workshops: number, seconds: number, changeRate = 0.1) {
  const site = syntheticSite(workshops);
  const start = Date.parse('2026-03-02T09:00:00+08:00');
  const engine = new RuleEngine({ site, revision: 1, startedAt: start });
  let rnd = 12345;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  // Batches are parsed up front: the figure is the engine's, not zod's.
  const seqs = new Map<string, number>();
  const state = new Map<string, { total: number; kg: number; since: number }>();
  const inputs: Parameters<RuleEngine['apply']>[0][] = [];
  for (let sec = 0; sec < seconds; sec++) {
    const at = start + sec * 1000;
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
  }
  const readings = inputs.reduce((n, i) => n + (i.kind === 'telemetry' ? i.batch.readings.length : 0), 0);
  let transitions = 0;
  const t0 = process.hrtime.bigint();
  for (const i of inputs) transitions += engine.apply(i).transitions.length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { workshops, changeRate, readings, batches: inputs.length, transitions, ms: Math.round(ms), readingsPerSecond: Math.round((readings / ms) * 1000) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const results = [
    benchEngine(1000, quick ? 5 : 60),
    benchEngine(10_000, quick ? 2 : 20),
    // Worst case: every reading of every workshop changes every value.
    benchEngine(1000, quick ? 5 : 60, 1),
    benchEngine(10_000, quick ? 2 : 20, 1),
  ];
  console.log(JSON.stringify({ bench: 'engine', node: process.version, results }, null, 2));
}
