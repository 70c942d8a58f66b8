// The fault suite's site: one enterprise, three gateways of three workshops each, limits on every
// workshop and none that the simulator's normal running could cross (no line totals, no operating
// hours, no dwell limits, no warnings), so every alarm is one the script caused.
import { SiteConfig } from '@hazwatch/protocols';

/** Simulated seconds of silence before a gateway counts as offline: longer than any planned fault but the cut. */
export const OFFLINE_AFTER_SECONDS = 600;
export const RAISE_AFTER_SECONDS = 5;
export const CLEAR_AFTER_SECONDS = 5;

export function faultSite(): SiteConfig {
  const gateways = ['gw-a', 'gw-b', 'gw-c'];
  const workshops = gateways.flatMap((g, gi) => [0, 1, 2].map((w) => ({ gi, g, id: `ws-${g.slice(3)}${w}` })));
  return SiteConfig.parse({
    defaults: { raiseAfterSeconds: RAISE_AFTER_SECONDS, clearAfterSeconds: CLEAR_AFTER_SECONDS, offlineAfterSeconds: OFFLINE_AFTER_SECONDS },
    enterprises: [
      {
        id: 'ent-f', name: '故障演练民爆', region: '370306', timezone: 'Asia/Shanghai',
        licence: { products: [{ product: 'emulsion', perYear: 1e12, unit: 'kg' }] },
        lines: gateways.map((g) => ({ id: `line-${g.slice(3)}`, name: `生产线${g.slice(3)}`, kind: 'explosive', product: 'emulsion', capacity: { perDay: 1e9, unit: 'kg' } })),
        workshops: workshops.map((w) => ({ id: w.id, name: `工房${w.id.slice(3)}`, hazardClass: '1.1', lines: [`line-${w.g.slice(3)}`], staffingLimit: 2, quantityLimitKg: 300 })),
        gateways: gateways.map((g) => ({ id: g, workshops: workshops.filter((w) => w.g === g).map((w) => w.id), lines: [`line-${g.slice(3)}`] })),
      },
    ],
  });
}
