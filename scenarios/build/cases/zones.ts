// SPEC 1: "Days, operating hours and production periods are evaluated in that zone" — zones other
// than Asia/Shanghai, UTC, and days of 23 and 25 hours.
import { Scenario, ln, localDay, ws, type BuiltScenario } from '../dsl.ts';
import { baseEnterprise, line, siteOf, workshop } from '../site.ts';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export function zoneScenarios(): BuiltScenario[] {
  return [utc(), berlinSpring(), berlinAutumn(), newYorkClosedDay(), newYorkDstHours(), santiagoSkippedMidnight()];
}

// UTC: the weekday window ends at 17:30Z (01:30 the next day in Shanghai, which must not matter) and
// the production day ends at 00:00Z.
function utc(): BuiltScenario {
  const ent = baseEnterprise();
  ent.timezone = 'UTC';
  workshop(ent, 'ws-charging').operatingHours = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:30' }];
  const mon = localDay('2026-03-02', 'Z');
  const tue = localDay('2026-03-03', 'Z');
  return new Scenario(
    'zone-utc-hours-and-day-rollover',
    "An enterprise on UTC: its operating window ends at 17:30 UTC and its production day at 00:00 UTC, when the day alarm clears and a new day's output starts from zero.",
    siteOf([ent]),
  )
    .tel(mon('17:20:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(mon('17:40:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .tel(mon('20:00:00'), 'gw-e', [ln('line-e1', 0)])
    .tel(mon('23:00:00'), 'gw-e', [ln('line-e1', 40_001)])
    .tel(tue('00:30:00'), 'gw-e', [ln('line-e1', 40_001)])
    .tel(tue('10:00:00'), 'gw-e', [ln('line-e1', 60_000)])
    .tel(tue('11:00:00'), 'gw-e', [ln('line-e1', 80_002)])
    .until(tue('12:00:00'))
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: mon('17:30:05'), clearedAt: mon('17:40:05') })
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: mon('23:00:05'), clearedAt: tue('00:00:05'), value: 40_001 })
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: tue('11:00:05'), clearedAt: null, value: 40_001 })
    .build();
}

// Europe/Berlin on 2026-03-29, when clocks go from 02:00 CET to 03:00 CEST: a 23-hour day. The
// window 06:00–22:00 and the day's end are local (CEST, +02:00) times.
function berlinSpring(): BuiltScenario {
  const ent = baseEnterprise();
  ent.timezone = 'Europe/Berlin';
  workshop(ent, 'ws-charging').operatingHours = [{ days: [...EVERY_DAY], from: '06:00', to: '22:00' }];
  line(ent, 'line-e1').capacity = { perDay: 1000, unit: 'kg' };
  const d = localDay('2026-03-29', '+02:00');
  const next = localDay('2026-03-30', '+02:00');
  return new Scenario(
    'zone-berlin-dst-spring',
    'Europe/Berlin on the day clocks go forward: the operating window opens at 06:00 and closes at 22:00 summer time, and the 23-hour production day ends at local midnight.',
    siteOf([ent]),
  )
    .tel(d('05:30:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(d('10:00:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 }), ln('line-e1', 0)])
    .tel(d('20:00:00'), 'gw-e', [ln('line-e1', 1001)])
    .tel(d('21:50:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(d('22:30:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .until(next('00:10:00'))
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: d('05:30:05'), clearedAt: d('06:00:05') })
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: d('20:00:05'), clearedAt: next('00:00:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: d('22:00:05'), clearedAt: d('22:30:05') })
    .build();
}

// Europe/Berlin on 2026-10-25, when clocks go back from 03:00 CEST to 02:00 CET: a 25-hour closed day.
// It begins at 00:00 CEST (+02:00) and ends at 00:00 CET (+01:00) the next day.
function berlinAutumn(): BuiltScenario {
  const ent = baseEnterprise();
  ent.timezone = 'Europe/Berlin';
  ent.calendar = { closed: ['2026-10-25'] };
  line(ent, 'line-e1').capacity = { perDay: 1000, unit: 'kg' };
  const sat = localDay('2026-10-24', '+02:00');
  const early = localDay('2026-10-25', '+02:00');
  const late = localDay('2026-10-25', '+01:00');
  const mon = localDay('2026-10-26', '+01:00');
  return new Scenario(
    'zone-berlin-dst-autumn',
    'Europe/Berlin on the day clocks go back: a closed date begins at 00:00 summer time and ends at 00:00 winter time 25 hours later, where the closed-day and the day-output alarms both end.',
    siteOf([ent]),
  )
    .tel(sat('23:55:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, kg: 0 })])
    .tel(early('00:30:00'), 'gw-e', [ln('line-e1', 0)])
    .tel(early('02:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 0 })])
    .tel(late('23:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 5 })])
    .tel(late('23:40:00'), 'gw-e', [ln('line-e1', 1001)])
    .until(mon('00:30:00'))
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: early('00:00:05'), clearedAt: early('02:30:05') })
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: late('23:30:05'), clearedAt: mon('00:00:05') })
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: late('23:40:05'), clearedAt: mon('00:00:05') })
    .build();
}

// America/New_York (EDT, -04:00): the closed date 2026-07-04 runs from 04:00Z to 04:00Z the next day.
function newYorkClosedDay(): BuiltScenario {
  const ent = baseEnterprise();
  ent.timezone = 'America/New_York';
  ent.calendar = { closed: ['2026-07-04'] };
  const jul3 = localDay('2026-07-03', '-04:00');
  const jul4 = localDay('2026-07-04', '-04:00');
  const jul5 = localDay('2026-07-05', '-04:00');
  return new Scenario(
    'zone-new-york-closed-day',
    'America/New_York: a closed date begins and ends at local midnight (04:00 UTC), for a person inside across its start and for explosive inside across its end.',
    siteOf([ent]),
  )
    .tel(jul3('23:50:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, kg: 0 })])
    .tel(jul4('00:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 0 })])
    .tel(jul4('23:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 10 })])
    .until(jul5('01:00:00'))
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: jul4('00:00:05'), clearedAt: jul4('00:30:05') })
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: jul4('23:00:05'), clearedAt: jul5('00:00:05') })
    .build();
}

// America/New_York on 2026-03-08, when clocks go from 02:00 EST to 03:00 EDT: the 08:00–17:00
// window is read in daylight time (-04:00) for the rest of that day.
function newYorkDstHours(): BuiltScenario {
  const ent = baseEnterprise();
  ent.timezone = 'America/New_York';
  workshop(ent, 'ws-charging').operatingHours = [{ days: [...EVERY_DAY], from: '08:00', to: '17:00' }];
  const d = localDay('2026-03-08', '-04:00');
  return new Scenario(
    'zone-new-york-dst-hours',
    'America/New_York on the day clocks go forward: the 08:00–17:00 operating window opens and closes in daylight time.',
    siteOf([ent]),
  )
    .tel(d('07:50:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(d('16:50:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(d('17:20:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .until(d('17:30:00'))
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: d('07:50:05'), clearedAt: d('08:00:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: d('17:00:05'), clearedAt: d('17:20:05') })
    .build();
}

// America/Santiago on 2026-09-06: clocks jump from 24:00 on Saturday (-04:00) to 01:00 on Sunday
// (-03:00), so Sunday's local midnight does not exist and the date changes at 04:00Z. Saturday's
// production day and the closed Sunday both turn at that instant.
function santiagoSkippedMidnight(): BuiltScenario {
  const ent = baseEnterprise();
  ent.timezone = 'America/Santiago';
  ent.calendar = { closed: ['2026-09-06'] };
  line(ent, 'line-e1').capacity = { perDay: 1000, unit: 'kg' };
  const sat = localDay('2026-09-05', '-04:00');
  const sun = localDay('2026-09-06', '-03:00');
  return new Scenario(
    'zone-santiago-skipped-midnight',
    'America/Santiago, where daylight time starts at midnight: the day ends and the next (closed) date begins at the instant the local date changes, 01:00 daylight time, for the day output and for closed-day.',
    siteOf([ent]),
  )
    .tel(sat('20:00:00'), 'gw-e', [ln('line-e1', 0)])
    .tel(sat('22:00:00'), 'gw-e', [ln('line-e1', 1001)])
    .tel(sat('23:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, kg: 0 })])
    .tel(sun('02:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 0 })])
    .until(sun('03:00:00'))
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: sat('22:00:05'), clearedAt: sun('01:00:05') })
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: sun('01:00:05'), clearedAt: sun('02:00:05') })
    .build();
}
