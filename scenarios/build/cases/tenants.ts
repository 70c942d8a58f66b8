// Ids are unique only within an enterprise (SPEC 1): two enterprises with the very same ids.
import { Scenario, ln, localDay, ws, type BuiltScenario } from '../dsl.ts';
import { baseEnterprise, siteOf } from '../site.ts';

const T = localDay('2026-03-02', '+08:00');

export function tenantScenarios(): BuiltScenario[] {
  return [sameIds()];
}

// ent-1 and ent-2 have identical workshops, lines, gateways and products, and their gateways count
// seq from 1 alike. ent-2's seq 1 is not ent-1's seq 1. Each line makes 30000 kg (40000 allowed per
// day; together it would be 60000). ent-2's gw-e going offline says nothing about ent-1's gw-e.
function sameIds(): BuiltScenario {
  const ent2 = baseEnterprise('ent-2');
  ent2.name = '另一民爆器材有限公司';
  ent2.region = '370102';
  return new Scenario(
    'enterprises-with-same-ids',
    "Two enterprises using the same workshop, line, gateway and product ids and the same batch seqs keep separate state, separate batch identities and separate alarms.",
    siteOf([baseEnterprise('ent-1'), ent2]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 }), ln('line-e1', 0)], { ent: 'ent-1' })
    .tel(T('09:00:02'), 'gw-e', [ws('ws-emulsify', { hc: 0 }), ws('tp-e1', { hc: 2 }), ln('line-e1', 0)], { ent: 'ent-2' })
    .tel(T('09:01:00'), 'gw-e', [ln('line-e1', 30_000)], { ent: 'ent-1' })
    .tel(T('09:01:30'), 'gw-e', [ln('line-e1', 30_000)], { ent: 'ent-2' })
    .tel(T('09:02:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })], { ent: 'ent-1' })
    .tel(T('09:02:30'), 'gw-e', [ws('tp-e1', { hc: 0 })], { ent: 'ent-2' })
    .status(T('09:03:00'), 'gw-e', 'offline', { ent: 'ent-2' })
    .tel(T('09:04:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })], { ent: 'ent-1' })
    .until(T('09:05:00'))
    .expect({ ent: 'ent-1', type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:00:05'), clearedAt: T('09:02:05'), value: 3 })
    .expect({ ent: 'ent-2', type: 'over-staffing', subject: { workshopId: 'tp-e1' }, raisedAt: T('09:00:07'), clearedAt: T('09:02:35'), value: 2 })
    .expect({ ent: 'ent-2', type: 'gateway-offline', subject: { gatewayId: 'gw-e' }, raisedAt: T('09:03:05'), clearedAt: null })
    .build();
}
