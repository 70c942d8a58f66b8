// 超员: the workshop, workshop + line and line rules of SPEC 4, their debounce and their timing overrides.
import { Scenario, localDay, ws, type BuiltScenario } from '../dsl.ts';
import { baseEnterprise, gateway, line, siteOf, workshop } from '../site.ts';

const T = localDay('2026-03-02', '+08:00');

export function staffingScenarios(): BuiltScenario[] {
  return [raiseBoundary(), clearBoundary(), flapping(), timingOverrides(), lineAcrossGateways(), lineOneGatewayOffline(), sharedWorkshopLineLimits(), sameInstantReadings()];
}

// "A condition that held exactly raiseAfterSeconds raises": timers due at an instant fire before the
// input at that instant. ws-emulsify holds 3 > 2 for exactly 5 s, ws-assembly holds 7 > 6 for 4 s.
// line-e1's sum is 3, at its limit, so it stays quiet.
function raiseBoundary(): BuiltScenario {
  return new Scenario(
    'staffing-raise-exactly-at-debounce',
    'An excess held exactly raiseAfterSeconds (5 s) raises at that instant even though the count drops at the same instant; an excess held 4 s raises nothing.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 })])
    .tel(T('09:00:00'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .tel(T('09:00:04'), 'gw-a', [ws('ws-assembly', { hc: 6 })])
    .tel(T('09:00:05'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .until(T('09:01:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:00:05'), clearedAt: T('09:00:10'), value: 3, limit: 2, late: false })
    .build();
}

// The clear side of the same clause: false for exactly clearAfterSeconds clears (the clear timer
// fires before the input that brings the excess back, which then starts a new alarm); false for 4 s
// keeps the one record.
function clearBoundary(): BuiltScenario {
  return new Scenario(
    'staffing-clear-exactly-at-debounce',
    'An excess that returns exactly clearAfterSeconds after ending finds the alarm cleared and raises a second one; one that returns after 4 s keeps the first alarm.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 })])
    .tel(T('09:00:00'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('09:01:00'), 'gw-a', [ws('ws-assembly', { hc: 6 })])
    .tel(T('09:01:04'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .tel(T('09:01:05'), 'gw-e', [ws('ws-emulsify', { hc: 3 })])
    .tel(T('09:02:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('09:02:00'), 'gw-a', [ws('ws-assembly', { hc: 6 })])
    .until(T('09:03:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:00:05'), clearedAt: T('09:01:05') })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:01:10'), clearedAt: T('09:02:05') })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-assembly' }, raisedAt: T('09:00:05'), clearedAt: T('09:02:05'), value: 7, limit: 6 })
    .build();
}

// Flapping: the 3-second excess at 09:00:00 breaks at 09:00:03, so the alarm is timed from the onset
// at 09:00:04; a dip during the alarm shorter than clearAfterSeconds does not split it. value is the
// count at raise (7), peak the highest seen while it stood (9). The assembly lines have no line limit
// and no byLine is reported, so only the workshop total is judged. ws-packing (1.2, limit 4) rises
// from 5 to 6 during its debounce: the value at raise is 6.
function flapping(): BuiltScenario {
  return new Scenario(
    'staffing-flapping-one-alarm',
    'Over/under/over within the debounce gives one alarm timed from the last onset; a short dip while it is active keeps the same record, whose value is the count at raise and whose peak is the highest count seen.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .tel(T('09:00:00'), 'gw-e', [ws('ws-packing', { hc: 5 })])
    .tel(T('09:00:02'), 'gw-e', [ws('ws-packing', { hc: 6 })])
    .tel(T('09:00:03'), 'gw-a', [ws('ws-assembly', { hc: 6 })])
    .tel(T('09:00:04'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .tel(T('09:00:30'), 'gw-a', [ws('ws-assembly', { hc: 9 })])
    .tel(T('09:00:30'), 'gw-e', [ws('ws-packing', { hc: 5 })])
    .tel(T('09:00:40'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .tel(T('09:01:00'), 'gw-a', [ws('ws-assembly', { hc: 6 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-packing', { hc: 4 })])
    .tel(T('09:01:03'), 'gw-a', [ws('ws-assembly', { hc: 8 })])
    .tel(T('09:01:10'), 'gw-a', [ws('ws-assembly', { hc: 5 })])
    .until(T('09:02:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-assembly' }, raisedAt: T('09:00:09'), clearedAt: T('09:01:15'), value: 7, peak: 9, limit: 6 })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-packing' }, raisedAt: T('09:00:05'), clearedAt: T('09:01:05'), value: 6, peak: 6, limit: 4 })
    .build();
}

// SPEC 3: "Any field of defaults may be overridden on a line or workshop". ws-charging raises after
// 30 s and clears after 60 s; line-e1's own rule raises after 20 s. The line's other workshops carry
// explicit 5 s timings so nothing here depends on whether a workshop inherits its line's override.
function timingOverrides(): BuiltScenario {
  const ent = baseEnterprise();
  Object.assign(workshop(ent, 'ws-charging'), { raiseAfterSeconds: 30, clearAfterSeconds: 60 });
  Object.assign(line(ent, 'line-e1'), { raiseAfterSeconds: 20 });
  for (const id of ['ws-emulsify', 'tp-e1', 'ws-packing']) Object.assign(workshop(ent, id), { raiseAfterSeconds: 5, clearAfterSeconds: 5 });
  return new Scenario(
    'staffing-timing-overrides',
    'A workshop overriding raiseAfterSeconds (30 s) and clearAfterSeconds (60 s), and a line overriding raiseAfterSeconds (20 s) for its aggregate rule, are debounced by their own timings.',
    siteOf([ent]),
  )
    // ws-charging: 29 s of excess is not enough; the next one raises 30 s after its onset.
    .tel(T('09:00:00'), 'gw-e', [ws('ws-charging', { hc: 3 })])
    .tel(T('09:00:29'), 'gw-e', [ws('ws-charging', { hc: 2 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-charging', { hc: 3 })])
    // A 50 s dip is shorter than its 60 s clear time; the final dip clears it 60 s later.
    .tel(T('09:02:00'), 'gw-e', [ws('ws-charging', { hc: 2 })])
    .tel(T('09:02:50'), 'gw-e', [ws('ws-charging', { hc: 3 })])
    .tel(T('09:03:00'), 'gw-e', [ws('ws-charging', { hc: 2 })])
    // line-e1: 2 + 1 + 1 = 4 > 3 for 19 s (nothing), then again from 09:11:00 (raised 20 s later).
    .tel(T('09:10:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 }), ws('tp-e1', { hc: 1 }), ws('ws-charging', { hc: 1 })])
    .tel(T('09:10:19'), 'gw-e', [ws('tp-e1', { hc: 0 })])
    .tel(T('09:11:00'), 'gw-e', [ws('tp-e1', { hc: 1 })])
    .tel(T('09:12:00'), 'gw-e', [ws('tp-e1', { hc: 0 })])
    .until(T('09:15:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-charging' }, raisedAt: T('09:01:30'), clearedAt: T('09:04:00') })
    .expect({ type: 'over-staffing', subject: { lineId: 'line-e1' }, raisedAt: T('09:11:20'), clearedAt: T('09:12:05'), value: 4, limit: 3 })
    .build();
}

// The line rule sums the line's 1.1 workshops wherever they report from: ws-emulsify and tp-e1 on
// gw-e1, ws-charging on gw-e2. A workshop not yet heard counts 0; the 1.2 packing workshop never counts.
function lineAcrossGateways(): BuiltScenario {
  const ent = baseEnterprise();
  ent.gateways = [
    { id: 'gw-e1', workshops: ['ws-emulsify', 'tp-e1'], lines: ['line-e1'] },
    { id: 'gw-e2', workshops: ['ws-charging', 'ws-packing'], lines: [] },
    gateway(baseEnterprise(), 'gw-a'),
  ];
  return new Scenario(
    'staffing-line-across-gateways',
    "A line's aggregate headcount adds its 1.1 workshops reported by two different gateways (0 until first known, the 1.2 packing workshop excluded) and alarms when the sum passes the line's limit.",
    siteOf([ent]),
  )
    .tel(T('09:00:00'), 'gw-e1', [ws('ws-emulsify', { hc: 2 }), ws('tp-e1', { hc: 1 })])
    .tel(T('09:00:30'), 'gw-e2', [ws('ws-charging', { hc: 0 }), ws('ws-packing', { hc: 4 })])
    .tel(T('09:05:00'), 'gw-e2', [ws('ws-charging', { hc: 1 })])
    .tel(T('09:05:30'), 'gw-e2', [ws('ws-packing', { hc: 0 })])
    .tel(T('09:06:00'), 'gw-e1', [ws('tp-e1', { hc: 0 })])
    .tel(T('09:07:00'), 'gw-e1', [ws('ws-emulsify', { hc: 2 }), ws('tp-e1', { hc: 0 })])
    .until(T('09:10:00'))
    .expect({ type: 'over-staffing', subject: { lineId: 'line-e1' }, raisedAt: T('09:05:05'), clearedAt: T('09:06:05'), value: 4, limit: 3 })
    .build();
}

// "A subject spanning several gateways (a line's sum ...) follows the platform clock while any of
// them is online." line-e1 (raise after 60 s) spans gw-e1 and gw-e2; gw-e1 drops after 10 s, gw-e2
// stays: the line's timer runs on and fires on time. Workshops carry explicit 5 s timings.
function lineOneGatewayOffline(): BuiltScenario {
  const ent = baseEnterprise();
  ent.gateways = [
    { id: 'gw-e1', workshops: ['ws-emulsify', 'tp-e1'], lines: ['line-e1'] },
    { id: 'gw-e2', workshops: ['ws-charging', 'ws-packing'], lines: [] },
    gateway(baseEnterprise(), 'gw-a'),
  ];
  line(ent, 'line-e1').raiseAfterSeconds = 60;
  for (const id of ['ws-emulsify', 'tp-e1', 'ws-charging', 'ws-packing']) Object.assign(workshop(ent, id), { raiseAfterSeconds: 5, clearAfterSeconds: 5 });
  return new Scenario(
    'staffing-line-one-gateway-offline',
    "A line spanning two gateways keeps following the platform clock while one of them is online, so its aggregate alarm is raised on time although the other gateway went offline during the debounce.",
    siteOf([ent]),
  )
    .tel(T('09:00:00'), 'gw-e1', [ws('ws-emulsify', { hc: 2 }), ws('tp-e1', { hc: 1 })])
    .tel(T('09:00:00'), 'gw-e2', [ws('ws-charging', { hc: 1 })])
    .status(T('09:00:10'), 'gw-e1', 'offline')
    .tel(T('09:00:30'), 'gw-e2', [ws('ws-charging', { hc: 1 })])
    .until(T('09:02:00'))
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-e1' }, raisedAt: T('09:00:15'), clearedAt: null })
    .expect({ type: 'over-staffing', subject: { lineId: 'line-e1' }, raisedAt: T('09:01:00'), clearedAt: null, late: false, value: 4 })
    .build();
}

// Detonator assembly: ws-assembly is shared by line-a1 and line-a2 (3 each, 6 in total); line-a1 also
// owns a 1.1 transfer platform (its total counts for line-a1 alone) and a 1.2 packing room (never
// counted). line-a1 may have 3 persons across its 1.1 workshops.
function sharedWorkshopLineLimits(): BuiltScenario {
  const ent = baseEnterprise();
  line(ent, 'line-a1').staffingLimit = 3;
  ent.workshops!.push(
    { id: 'tp-a1', name: '雷管中转站台', hazardClass: '1.1', kind: 'transfer-platform', lines: ['line-a1'], staffingLimit: 2, quantityLimitKg: 10 },
    { id: 'ws-a-pack', name: '雷管包装工房', hazardClass: '1.2', kind: 'workshop', lines: ['line-a1'], staffingLimit: 10, quantityLimitKg: 100 },
  );
  gateway(ent, 'gw-a').workshops = ['ws-assembly', 'tp-a1', 'ws-a-pack'];
  return new Scenario(
    'staffing-shared-workshop-line-limits',
    "In a workshop shared by two lines each line's byLine count is held to its own limit, and a line's aggregate adds its byLine share of the shared workshop to the totals of the 1.1 workshops it has alone.",
    siteOf([ent]),
  )
    // line-a1: 2 (byLine) + 1 (tp-a1) = 3, at the limit; ws-a-pack is 1.2.
    .tel(T('09:00:00'), 'gw-a', [ws('ws-assembly', { hc: 5, byLine: { 'line-a1': 2, 'line-a2': 3 } }), ws('tp-a1', { hc: 1 }), ws('ws-a-pack', { hc: 5 })])
    // 2 + 2 = 4 > 3.
    .tel(T('09:02:00'), 'gw-a', [ws('tp-a1', { hc: 2 })])
    // 1 + 2 = 3 (line-a1 clears); line-a2 has 4 > 3 in the shared workshop.
    .tel(T('09:03:00'), 'gw-a', [ws('ws-assembly', { hc: 6, byLine: { 'line-a1': 1, 'line-a2': 4 } })])
    // line-a2 back to 3; line-a1 3 + 2 = 5 > 3 again: a new record.
    .tel(T('09:04:00'), 'gw-a', [ws('ws-assembly', { hc: 6, byLine: { 'line-a1': 3, 'line-a2': 3 } })])
    .tel(T('09:05:00'), 'gw-a', [ws('tp-a1', { hc: 0 })])
    .until(T('09:06:00'))
    .expect({ type: 'over-staffing', subject: { lineId: 'line-a1' }, raisedAt: T('09:02:05'), clearedAt: T('09:03:05'), value: 4, limit: 3 })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-assembly', lineId: 'line-a2' }, raisedAt: T('09:03:05'), clearedAt: T('09:04:05'), value: 4, limit: 3 })
    .expect({ type: 'over-staffing', subject: { lineId: 'line-a1' }, raisedAt: T('09:04:05'), clearedAt: T('09:05:05'), value: 5, limit: 3 })
    .build();
}

// Two readings with the same ts describe one instant: the line's sum goes from 4 straight to 4
// (ws-emulsify 2 → 1 while tp-e1 0 → 1). Applied one after the other, an intermediate 5 would appear
// that never existed at any instant; the alarm's peak must stay 4.
function sameInstantReadings(): BuiltScenario {
  return new Scenario(
    'same-instant-readings-applied-together',
    "Readings of several workshops with the same ts change a line's aggregate at once: no intermediate sum that never existed shows in the alarm's peak.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 }), ws('ws-charging', { hc: 2 })])
    .tel(T('09:01:00'), 'gw-e', [ws('tp-e1', { hc: 1 }), ws('ws-emulsify', { hc: 1 })])
    .tel(T('09:02:00'), 'gw-e', [ws('ws-charging', { hc: 0 })])
    .until(T('09:03:00'))
    .expect({ type: 'over-staffing', subject: { lineId: 'line-e1' }, raisedAt: T('09:00:05'), clearedAt: T('09:02:05'), value: 4, peak: 4, limit: 3 })
    .build();
}
