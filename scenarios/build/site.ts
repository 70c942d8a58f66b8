import type { SiteConfigInput } from '@hazwatch/protocols';

export type EnterpriseInput = SiteConfigInput['enterprises'][number];
export type WorkshopInput = NonNullable<EnterpriseInput['workshops']>[number];
export type LineInput = NonNullable<EnterpriseInput['lines']>[number];
export type GatewayInput = NonNullable<EnterpriseInput['gateways']>[number];

/**
 * The base enterprise most scenarios start from: the shared examples' plant (an emulsion line with two
 * 1.1 workshops, a transfer platform and a 1.2 packing workshop on gw-e; a detonator assembly workshop
 * shared by two lines on gw-a). Every call returns a fresh copy, so scenarios may change it freely.
 */
export function baseEnterprise(id = 'ent-1'): EnterpriseInput {
  return {
    id,
    name: '示例民爆器材有限公司',
    region: '370306',
    timezone: 'Asia/Shanghai',
    licence: {
      products: [
        { product: 'emulsion-explosive', perYear: 1_000_000, unit: 'kg', warnAt: 950_000, openingBalance: 0 },
        { product: 'electronic-detonator', perYear: 5_000_000, unit: 'pcs' },
      ],
    },
    lines: [
      {
        id: 'line-e1', name: '乳化炸药生产线', kind: 'explosive', commissioned: '2019-06-01', newOrRebuilt: true,
        staffingLimit: 3, product: 'emulsion-explosive', capacity: { perDay: 40_000, unit: 'kg' },
      },
      { id: 'line-a1', name: '雷管装配线1', kind: 'detonator-assembly', commissioned: '2021-03-01', newOrRebuilt: true, product: 'electronic-detonator' },
      { id: 'line-a2', name: '雷管装配线2', kind: 'detonator-assembly', commissioned: '2021-03-01', newOrRebuilt: true, product: 'electronic-detonator' },
    ],
    workshops: [
      { id: 'ws-emulsify', name: '乳化工房', hazardClass: '1.1', kind: 'workshop', lines: ['line-e1'], staffingLimit: 2, quantityLimitKg: 500, quantityWarnKg: 450 },
      { id: 'ws-charging', name: '装药工房', hazardClass: '1.1', kind: 'workshop', lines: ['line-e1'], staffingLimit: 2, quantityLimitKg: 800 },
      { id: 'tp-e1', name: '中转站台', hazardClass: '1.1', kind: 'transfer-platform', lines: ['line-e1'], staffingLimit: 1, quantityLimitKg: 200, quantityWarnKg: 180 },
      { id: 'ws-packing', name: '包装工房', hazardClass: '1.2', kind: 'workshop', lines: ['line-e1'], staffingLimit: 4, quantityLimitKg: 1000 },
      {
        id: 'ws-assembly', name: '雷管装配工房', hazardClass: '1.1', kind: 'workshop', lines: ['line-a1', 'line-a2'],
        staffingLimit: 6, lineStaffingLimits: { 'line-a1': 3, 'line-a2': 3 }, quantityLimitKg: 20,
      },
    ],
    gateways: [
      { id: 'gw-e', workshops: ['ws-emulsify', 'ws-charging', 'tp-e1', 'ws-packing'], lines: ['line-e1'] },
      { id: 'gw-a', workshops: ['ws-assembly'], lines: ['line-a1', 'line-a2'] },
    ],
  };
}

/**
 * A site around the given enterprises. Gateways go offline only after 30 days of silence unless a
 * scenario is about exactly that, so that long scenarios (midnight, year end) see no stray
 * gateway-offline alarms from gateways they do not use.
 */
export function siteOf(enterprises: EnterpriseInput[], defaults: Partial<{ raiseAfterSeconds: number; clearAfterSeconds: number; offlineAfterSeconds: number }> = {}): SiteConfigInput {
  return {
    regulation: 'miit-2024',
    defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 30 * 86_400, ...defaults },
    enterprises,
  };
}

function byId<T extends { id: string }>(list: T[] | undefined, id: string, what: string): T {
  const found = list?.find((x) => x.id === id);
  if (!found) throw new Error(`no ${what} "${id}" in the base enterprise`);
  return found;
}

export function workshop(ent: EnterpriseInput, id: string): WorkshopInput {
  return byId(ent.workshops, id, 'workshop');
}

export function line(ent: EnterpriseInput, id: string): LineInput {
  return byId(ent.lines, id, 'line');
}

export function gateway(ent: EnterpriseInput, id: string): GatewayInput {
  return byId(ent.gateways, id, 'gateway');
}
