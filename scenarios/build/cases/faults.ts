// sensor-fault: an unknown value (null) is never 0; the rules on it keep its last known value.
import { Scenario, localDay, ws, type BuiltScenario } from '../dsl.ts';
import { baseEnterprise, siteOf, workshop } from '../site.ts';

const T = localDay('2026-03-02', '+08:00');

export function faultScenarios(): BuiltScenario[] {
  return [keepsLastKnown(), lineSumKeepsLastKnown(), outsideHoursKeepsLastKnown()];
}

// SPEC 4 sensor-fault: "meanwhile the rules on that value use its last known value (0 if never known)
// and their timers run on". ws-emulsify's excess (3 > 2) began at 09:00:00; its headcount goes unknown
// 2 s later and the alarm still comes at 09:00:05. ws-charging's door counter never knew its total
// (`{ "total": null }`): 0, no over-staffing. tp-e1's warning (190 > 180) survives a scale outage.
function keepsLastKnown(): BuiltScenario {
  return new Scenario(
    'sensor-fault-keeps-last-known',
    'An unknown headcount or quantity raises a sensor fault while the staffing and quantity rules keep the last known value and their debounce timers running; a value never known counts as 0.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 }), ws('ws-charging', { totalUnknown: true }), ws('tp-e1', { kg: 190 })])
    .tel(T('09:00:02'), 'gw-e', [ws('ws-emulsify', { hc: null })])
    .tel(T('09:00:30'), 'gw-e', [ws('tp-e1', { kg: null })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 }), ws('tp-e1', { kg: 210 })])
    .tel(T('09:02:00'), 'gw-e', [ws('ws-charging', { hc: 1 }), ws('tp-e1', { kg: 100 })])
    .until(T('09:03:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:00:05'), clearedAt: T('09:01:05'), value: 3 })
    .expect({ type: 'sensor-fault', reason: 'headcount-unknown', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:00:07'), clearedAt: T('09:01:05') })
    .expect({ type: 'sensor-fault', reason: 'headcount-unknown', subject: { workshopId: 'ws-charging' }, raisedAt: T('09:00:05'), clearedAt: T('09:02:05') })
    .expect({ type: 'over-quantity', subject: { workshopId: 'tp-e1' }, raisedAt: T('09:00:05'), clearedAt: T('09:02:05'), escalatedAt: T('09:01:05') })
    .expect({ type: 'sensor-fault', reason: 'quantity-unknown', subject: { workshopId: 'tp-e1' }, raisedAt: T('09:00:35'), clearedAt: T('09:01:05') })
    .build();
}

// The line aggregate reads its workshops' staffing values, so it too keeps ws-emulsify's last known 2
// while that count is unknown: 2 + 1 (tp-e1) + 1 (ws-charging) = 4 > 3.
function lineSumKeepsLastKnown(): BuiltScenario {
  return new Scenario(
    'line-sum-keeps-last-known-headcount',
    "While one workshop's headcount is unknown, the line's aggregate keeps counting its last known value, so another workshop's arrival still breaks the line limit.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 }), ws('tp-e1', { hc: 1 }), ws('ws-charging', { hc: 0 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { hc: null })])
    .tel(T('09:02:00'), 'gw-e', [ws('ws-charging', { hc: 1 })])
    .tel(T('09:03:00'), 'gw-e', [ws('ws-emulsify', { hc: 1 })])
    .until(T('09:04:00'))
    .expect({ type: 'sensor-fault', reason: 'headcount-unknown', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:01:05'), clearedAt: T('09:03:05') })
    .expect({ type: 'over-staffing', subject: { lineId: 'line-e1' }, raisedAt: T('09:02:05'), clearedAt: T('09:03:05'), value: 4, limit: 3 })
    .build();
}

// The outside-hours rule reads materialKg too: 50 kg left in ws-charging when its scale goes quiet at
// 17:20 still counts when the window closes at 17:30.
function outsideHoursKeepsLastKnown(): BuiltScenario {
  const ent = baseEnterprise();
  workshop(ent, 'ws-charging').operatingHours = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:30' }];
  return new Scenario(
    'sensor-fault-outside-hours-uses-last-known',
    'Explosive last known inside a workshop whose scale then reports unknown still raises outside-hours when the operating window closes.',
    siteOf([ent]),
  )
    .tel(T('17:00:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 50 })])
    .tel(T('17:20:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: null })])
    .tel(T('18:00:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .until(T('18:10:00'))
    .expect({ type: 'sensor-fault', reason: 'quantity-unknown', subject: { workshopId: 'ws-charging' }, raisedAt: T('17:20:05'), clearedAt: T('18:00:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: T('17:30:05'), clearedAt: T('18:00:05') })
    .build();
}
