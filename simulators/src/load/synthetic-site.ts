// A synthetic province for load and benchmarks: N enterprises × M workshops, a gateway per K workshops,
// limits set so that the load generator's normal readings never alarm (only its probes do).
import { SiteConfig, type SiteConfigInput } from '@hazwatch/protocols';

type Ent = SiteConfigInput['enterprises'][number];

export type SyntheticSiteOptions = {
  enterprises: number;
  workshopsPerEnterprise: number;
  /** Workshops bound to one gateway (one MQTT connection); default 10. */
  workshopsPerGateway?: number;
  /** Per SPEC 3 defaults; benchmarks set 0 debounce on probes only, see `probe`. */
  defaults?: { raiseAfterSeconds?: number; clearAfterSeconds?: number; offlineAfterSeconds?: number };
  /** Adds enterprise `probe` with one gateway `gw-probe` and workshops `ws-probe-0..n-1` that alarm at once. */
  probeWorkshops?: number;
};

/** Staffing limit of every synthetic workshop; the load generator reports at most this many. */
export const SYNTHETIC_STAFFING_LIMIT = 3;
/** Explosive limit (kg); the warning is at 90 %, the load stays below 80 %. */
export const SYNTHETIC_QUANTITY_LIMIT_KG = 500;

export function syntheticSite(opts: SyntheticSiteOptions): SiteConfig {
  const per = opts.workshopsPerGateway ?? 10;
  const enterprises: Ent[] = [];
  for (let e = 0; e < opts.enterprises; e++) {
    const ent: Ent = {
      id: `ent-${e}`, name: `负载企业${e}`, region: '370306', timezone: 'Asia/Shanghai',
      lines: [], workshops: [], gateways: [],
    };
    const lines = Math.ceil(opts.workshopsPerEnterprise / 2);
    // Lines carry no staffing limit of their own: load readings never sum above anything.
    for (let l = 0; l < lines; l++) ent.lines!.push({ id: `line-${l}`, name: `生产线${l}`, kind: 'explosive' });
    for (let w = 0; w < opts.workshopsPerEnterprise; w++) {
      ent.workshops!.push({
        id: `ws-${w}`, name: `工房${w}`, hazardClass: '1.1', lines: [`line-${w >> 1}`],
        staffingLimit: SYNTHETIC_STAFFING_LIMIT, quantityLimitKg: SYNTHETIC_QUANTITY_LIMIT_KG, quantityWarnKg: SYNTHETIC_QUANTITY_LIMIT_KG * 0.9,
      });
    }
    for (let g = 0; g * per < opts.workshopsPerEnterprise; g++) {
      const ws = ent.workshops!.slice(g * per, (g + 1) * per).map((w) => w.id);
      ent.gateways!.push({ id: `gw-${g}`, workshops: ws, lines: [...new Set(ws.map((w) => `line-${Number(w.slice(3)) >> 1}`))] });
    }
    enterprises.push(ent);
  }
  if (opts.probeWorkshops) {
    const ws = Array.from({ length: opts.probeWorkshops }, (_, i) => `ws-probe-${i}`);
    enterprises.push({
      id: 'probe', name: '延迟探针', region: '370306', timezone: 'Asia/Shanghai',
      lines: [{ id: 'line-probe', name: '探针线', kind: 'other' }],
      // Zero debounce: the alarm is raised by the violating reading itself, so publish → alarm is the
      // platform's latency, not raiseAfterSeconds.
      workshops: ws.map((id) => ({ id, name: id, hazardClass: '1.1' as const, lines: ['line-probe'], staffingLimit: 1, raiseAfterSeconds: 0, clearAfterSeconds: 0 })),
      gateways: [{ id: 'gw-probe', workshops: ws, lines: ['line-probe'] }],
    });
  }
  return SiteConfig.parse({
    defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 3600, ...opts.defaults },
    enterprises,
  });
}

/** Every gateway of a site with the workshops it reports, in site order. */
export function gatewaysOf(site: SiteConfig, filter: (enterpriseId: string) => boolean = () => true): { enterpriseId: string; gatewayId: string; workshops: string[] }[] {
  return site.enterprises.filter((e) => filter(e.id)).flatMap((e) => e.gateways.map((g) => ({ enterpriseId: e.id, gatewayId: g.id, workshops: [...g.workshops] })));
}
