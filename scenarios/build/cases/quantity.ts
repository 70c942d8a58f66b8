// 超量: the two levels of the quantity rule (SPEC 4: warning 预警 and alarm 报警, one record per episode).
import { Scenario, localDay, ws, type BuiltScenario } from '../dsl.ts';
import { baseEnterprise, siteOf } from '../site.ts';

const T = localDay('2026-03-02', '+08:00');

export function quantityScenarios(): BuiltScenario[] {
  return [boundaries(), directAlarm(), escalationBoundary(), interruptedAlarmLevel()];
}

// `materialKg > quantityWarnKg` and `> quantityLimitKg` are strict: exactly at either is not over it.
// ws-emulsify warns at 450 and alarms at 500; ws-charging has no warning level (800).
function boundaries(): BuiltScenario {
  return new Scenario(
    'quantity-limit-boundaries',
    'Explosive exactly at the warning value raises nothing, exactly at the limit raises only a warning; just past a limit without a warning level raises an alarm carrying the value and the limit.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { kg: 450 }), ws('ws-charging', { kg: 800 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { kg: 500 })])
    .tel(T('09:02:00'), 'gw-e', [ws('ws-emulsify', { kg: 450 })])
    .tel(T('09:03:00'), 'gw-e', [ws('ws-charging', { kg: 800.5 })])
    .tel(T('09:04:00'), 'gw-e', [ws('ws-charging', { kg: 0 })])
    .until(T('09:05:00'))
    .expect({ type: 'over-quantity', level: 'warning', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:01:05'), clearedAt: T('09:02:05'), escalatedAt: null, value: 500 })
    .expect({ type: 'over-quantity', subject: { workshopId: 'ws-charging' }, raisedAt: T('09:03:05'), clearedAt: T('09:04:05'), escalatedAt: null, value: 800.5, limit: 800 })
    .build();
}

// "Where both levels' conditions have held long enough at the moment of raising, it is raised as an
// alarm (escalatedAt null)." tp-e1 jumps from 100 straight to 250 (over 180 and 200 at once).
function directAlarm(): BuiltScenario {
  return new Scenario(
    'quantity-direct-alarm',
    'Explosive jumping past both the warning value and the limit raises one alarm-level record directly (escalatedAt null) with the value at raise, the limit, and the peak seen; it clears only below the warning value.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('tp-e1', { kg: 100 })])
    .tel(T('09:01:00'), 'gw-e', [ws('tp-e1', { kg: 250 })])
    .tel(T('09:02:00'), 'gw-e', [ws('tp-e1', { kg: 260 })])
    .tel(T('09:03:00'), 'gw-e', [ws('tp-e1', { kg: 190 })])
    .tel(T('09:04:00'), 'gw-e', [ws('tp-e1', { kg: 170 })])
    .until(T('09:05:00'))
    .expect({
      type: 'over-quantity', subject: { workshopId: 'tp-e1' }, raisedAt: T('09:01:05'), clearedAt: T('09:04:05'),
      escalatedAt: null, value: 250, limit: 200, peak: 260,
    })
    .build();
}

// "a warning whose value has been over the alarm limit for raiseAfterSeconds becomes an alarm":
// ws-emulsify is over 500 for 4 s only (stays a warning, but its peak records 520); tp-e1 is over 200
// for exactly 5 s (09:00:03 → 09:00:08), escalating at that instant.
function escalationBoundary(): BuiltScenario {
  return new Scenario(
    'quantity-escalation-boundary',
    'A warning whose value is over the limit for 4 s stays a warning (its peak still records the excess); one over the limit for exactly raiseAfterSeconds escalates at that instant.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { kg: 470 }), ws('tp-e1', { kg: 185 })])
    .tel(T('09:00:03'), 'gw-e', [ws('tp-e1', { kg: 205 })])
    .tel(T('09:00:08'), 'gw-e', [ws('tp-e1', { kg: 190 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { kg: 520 }), ws('tp-e1', { kg: 150 })])
    .tel(T('09:01:04'), 'gw-e', [ws('ws-emulsify', { kg: 470 })])
    .tel(T('09:02:00'), 'gw-e', [ws('ws-emulsify', { kg: 400 })])
    .until(T('09:03:00'))
    .expect({ type: 'over-quantity', level: 'warning', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:00:05'), clearedAt: T('09:02:05'), escalatedAt: null, peak: 520 })
    .expect({ type: 'over-quantity', subject: { workshopId: 'tp-e1' }, raisedAt: T('09:00:05'), clearedAt: T('09:01:05'), escalatedAt: T('09:00:08'), value: 205, peak: 205 })
    .build();
}

// Both levels start together, but the alarm level breaks after 3 s while the warning level holds on:
// at 09:00:05 only the warning has held 5 s, so the record is raised as a warning and escalates once
// the limit has again been passed for 5 s without a break.
function interruptedAlarmLevel(): BuiltScenario {
  return new Scenario(
    'quantity-interrupted-alarm-level',
    'When the limit is passed together with the warning value but dips back under it before raiseAfterSeconds, the record is raised as a warning and escalates only after a later unbroken excess.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { kg: 600 })])
    .tel(T('09:00:03'), 'gw-e', [ws('ws-emulsify', { kg: 470 })])
    .tel(T('09:00:10'), 'gw-e', [ws('ws-emulsify', { kg: 600 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { kg: 0 })])
    .until(T('09:02:00'))
    .expect({ type: 'over-quantity', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:00:05'), clearedAt: T('09:01:05'), escalatedAt: T('09:00:15'), value: 470, peak: 600 })
    .build();
}
