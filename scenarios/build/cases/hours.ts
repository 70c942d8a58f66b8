// 超时: operating windows, filed exceptions (报备), closed days and dwell (SPEC 4, over-time).
import { Scenario, localDay, ws, type BuiltScenario } from '../dsl.ts';
import { baseEnterprise, siteOf, workshop } from '../site.ts';

const CST = '+08:00';
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export function hoursScenarios(): BuiltScenario[] {
  return [overnightWindow(), severalWindows(), exceptions(), closedDayWithoutHours(), closedDayAndOutsideHours(), closedDayExceptions(), closedDayStorage(), dwell(), dwellReappears()];
}

// "a window whose to is not after its from runs past midnight"; `from` included, `to` excluded.
// The window is open every day, so the early-morning part is covered whichever day it is read to belong to.
function overnightWindow(): BuiltScenario {
  const ent = baseEnterprise();
  workshop(ent, 'ws-charging').operatingHours = [{ days: [...EVERY_DAY], from: '22:00', to: '06:00' }];
  const mon = localDay('2026-03-02', CST);
  const tue = localDay('2026-03-03', CST);
  return new Scenario(
    'outside-hours-overnight-window',
    'A night shift window 22:00–06:00 runs past midnight: a person inside a minute before 22:00 is outside hours until 22:00, and staying on past 06:00 is outside hours again from 06:00 sharp.',
    siteOf([ent]),
  )
    .tel(mon('21:59:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(mon('23:30:00'), 'gw-e', [ws('ws-charging', { hc: 2, kg: 0 })])
    .tel(tue('06:10:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .until(tue('06:20:00'))
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: mon('21:59:05'), clearedAt: mon('22:00:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: tue('06:00:05'), clearedAt: tue('06:10:05') })
    .build();
}

// Outside every window: the lunch gap between two weekday windows, after the last one (explosive alone
// counts), and after a shorter Saturday window. Boundaries are timers, not readings.
function severalWindows(): BuiltScenario {
  const ent = baseEnterprise();
  workshop(ent, 'ws-charging').operatingHours = [
    { days: [...WEEKDAYS], from: '08:00', to: '12:00' },
    { days: [...WEEKDAYS], from: '13:00', to: '17:30' },
    { days: ['sat'], from: '09:00', to: '12:00' },
  ];
  const mon = localDay('2026-03-02', CST);
  const sat = localDay('2026-03-07', CST);
  return new Scenario(
    'outside-hours-several-windows',
    'With two weekday windows and a Saturday window, presence over the lunch gap, explosive left after the last window, and presence after the Saturday window each raise outside-hours from the window end.',
    siteOf([ent]),
  )
    .tel(mon('11:50:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(mon('17:00:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 50 })])
    .tel(mon('17:45:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 50 })])
    .tel(mon('18:00:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .tel(sat('09:30:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(sat('12:20:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .until(sat('12:30:00'))
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: mon('12:00:05'), clearedAt: mon('13:00:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: mon('17:30:05'), clearedAt: mon('18:00:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: sat('12:00:05'), clearedAt: sat('12:20:05') })
    .build();
}

// Filed exceptions widen the allowed time: Saturday 09:00–12:00 for ws-charging only, and all of
// Sunday for every workshop (no `workshops`, no times). Monday 00:00 is outside again.
function exceptions(): BuiltScenario {
  const ent = baseEnterprise();
  for (const id of ['ws-charging', 'ws-emulsify']) workshop(ent, id).operatingHours = [{ days: [...WEEKDAYS], from: '08:00', to: '17:30' }];
  ent.calendar = {
    exceptions: [
      { date: '2026-03-07', workshops: ['ws-charging'], from: '09:00', to: '12:00' },
      { date: '2026-03-08' },
    ],
  };
  const sat = localDay('2026-03-07', CST);
  const sun = localDay('2026-03-08', CST);
  const mon = localDay('2026-03-09', CST);
  return new Scenario(
    'outside-hours-exceptions',
    'A timed exception for one workshop allows work inside its hours only (from included, to excluded) and not in other workshops; an exception without workshops or times allows every workshop the whole day, until midnight.',
    siteOf([ent]),
  )
    .tel(sat('08:30:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(sat('09:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, kg: 0 })])
    .tel(sat('09:40:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 0 })])
    .tel(sat('12:30:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .tel(sun('10:00:00'), 'gw-e', [ws('ws-charging', { hc: 2, kg: 100 })])
    .tel(mon('00:10:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .until(mon('00:20:00'))
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: sat('08:30:05'), clearedAt: sat('09:00:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-emulsify' }, raisedAt: sat('09:30:05'), clearedAt: sat('09:40:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: sat('12:00:05'), clearedAt: sat('12:30:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: mon('00:00:05'), clearedAt: mon('00:10:05') })
    .build();
}

// closed-day does not depend on operating hours. It begins at the closed date's 00:00 for whoever is
// still inside, and "a period-bound condition (day, year, closed day) ends at local midnight".
function closedDayWithoutHours(): BuiltScenario {
  const ent = baseEnterprise();
  ent.calendar = { closed: ['2026-10-01'] };
  const sep30 = localDay('2026-09-30', CST);
  const oct1 = localDay('2026-10-01', CST);
  const oct2 = localDay('2026-10-02', CST);
  return new Scenario(
    'closed-day-midnight-boundaries',
    'On a closed date a workshop without operating hours alarms for a person still inside at 00:00 and for explosive left inside late in the day; the latter ends at midnight even though the explosive stays.',
    siteOf([ent]),
  )
    .tel(sep30('23:50:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, kg: 0 })])
    .tel(oct1('00:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 0 })])
    .tel(oct1('22:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 10 })])
    .tel(oct2('00:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 10 })])
    .until(oct2('01:00:00'))
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: oct1('00:00:05'), clearedAt: oct1('00:30:05') })
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: oct1('22:00:05'), clearedAt: oct2('00:00:05') })
    .build();
}

// "closed-day and outside-hours are separate reasons and may be active together".
function closedDayAndOutsideHours(): BuiltScenario {
  const ent = baseEnterprise();
  workshop(ent, 'ws-charging').operatingHours = [{ days: [...WEEKDAYS], from: '08:00', to: '17:30' }];
  ent.calendar = { closed: ['2026-10-01'] };
  const oct1 = localDay('2026-10-01', CST);
  return new Scenario(
    'closed-day-and-outside-hours-together',
    'A person working on a closed weekday raises closed-day at once and, after the weekday window ends, outside-hours as well; both clear when the person leaves.',
    siteOf([ent]),
  )
    .tel(oct1('16:00:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(oct1('18:00:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .until(oct1('18:10:00'))
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-charging' }, raisedAt: oct1('16:00:05'), clearedAt: oct1('18:00:05') })
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: oct1('17:30:05'), clearedAt: oct1('18:00:05') })
    .build();
}

// "unless a filed exception covers the workshop and time": 2026-10-02 is closed with an exception for
// ws-charging 08:00–12:00; 2026-10-03 is closed with an exception for everybody all day.
function closedDayExceptions(): BuiltScenario {
  const ent = baseEnterprise();
  ent.calendar = {
    closed: ['2026-10-02', '2026-10-03'],
    exceptions: [
      { date: '2026-10-02', workshops: ['ws-charging'], from: '08:00', to: '12:00' },
      { date: '2026-10-03' },
    ],
  };
  const oct2 = localDay('2026-10-02', CST);
  const oct3 = localDay('2026-10-03', CST);
  return new Scenario(
    'closed-day-exceptions',
    'On a closed date a timed exception lifts closed-day only for its workshop and hours (before and after it the alarm stands, other workshops alarm throughout); a whole-day exception for all workshops lifts it entirely.',
    siteOf([ent]),
  )
    .tel(oct2('07:00:00'), 'gw-e', [ws('ws-charging', { hc: 1, kg: 0 })])
    .tel(oct2('08:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, kg: 0 })])
    .tel(oct2('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 0 })])
    .tel(oct2('13:00:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .tel(oct3('10:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, kg: 20 })])
    .tel(oct3('10:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 0 })])
    .until(oct3('11:00:00'))
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-charging' }, raisedAt: oct2('07:00:05'), clearedAt: oct2('08:00:05') })
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: oct2('08:00:05'), clearedAt: oct2('09:00:05') })
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-charging' }, raisedAt: oct2('12:00:05'), clearedAt: oct2('13:00:05') })
    .build();
}

// closed-day: "the local date is in calendar.closed and persons or explosive are inside" — for every
// kind of building. A 1.1 storage (not part of any line) holding 3000 kg on a closed date is over-time.
function closedDayStorage(): BuiltScenario {
  const ent = baseEnterprise();
  ent.calendar = { closed: ['2026-10-01'] };
  ent.workshops!.push({ id: 'st-e1', name: '成品中转库', hazardClass: '1.1', kind: 'storage', lines: [], staffingLimit: 1, quantityLimitKg: 5000 });
  ent.gateways!.push({ id: 'gw-s', workshops: ['st-e1'], lines: [] });
  const oct1 = localDay('2026-10-01', CST);
  return new Scenario(
    'closed-day-storage-with-explosive',
    'On a closed date explosive inside a storage building raises closed-day like in any other building, since the rule names persons or explosive inside without exception.',
    siteOf([ent]),
  )
    .tel(oct1('09:00:00'), 'gw-s', [ws('st-e1', { hc: 0, kg: 3000 })])
    .tel(oct1('10:00:00'), 'gw-s', [ws('st-e1', { hc: 0, kg: 0 })])
    .until(oct1('10:10:00'))
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'st-e1' }, raisedAt: oct1('09:00:05'), clearedAt: oct1('10:00:05') })
    .build();
}

// Dwell is per person and counts from the `since` of the latest reading: E1 leaves at 08:50 before
// reaching 60 min and re-enters at 08:55, so its dwell restarts; E2 stays 80 min. In ws-charging
// (30 min) E7 overstays, leaves, re-enters and overstays again: two records.
function dwell(): BuiltScenario {
  const ent = baseEnterprise();
  workshop(ent, 'ws-emulsify').maxDwellMinutes = 60;
  workshop(ent, 'ws-charging').maxDwellMinutes = 30;
  const T = localDay('2026-03-02', CST);
  return new Scenario(
    'dwell-several-persons-and-reentry',
    "Dwell alarms are kept per person, each from that person's own arrival; a person who leaves and re-enters starts a new stay, before or after an alarm.",
    siteOf([ent]),
  )
    .tel(T('08:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, persons: [['E1', T('08:00:00')]] }), ws('ws-charging', { hc: 1, persons: [['E7', T('08:00:00')]] })])
    .tel(T('08:10:00'), 'gw-e', [ws('ws-emulsify', { hc: 2, persons: [['E1', T('08:00:00')], ['E2', T('08:10:00')]] })])
    .tel(T('08:40:00'), 'gw-e', [ws('ws-charging', { hc: 0, persons: [] })])
    .tel(T('08:45:00'), 'gw-e', [ws('ws-charging', { hc: 1, persons: [['E7', T('08:45:00')]] })])
    .tel(T('08:50:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, persons: [['E2', T('08:10:00')]] })])
    .tel(T('08:55:00'), 'gw-e', [ws('ws-emulsify', { hc: 2, persons: [['E2', T('08:10:00')], ['E1', T('08:55:00')]] })])
    .tel(T('09:20:00'), 'gw-e', [ws('ws-charging', { hc: 0, persons: [] })])
    .tel(T('09:30:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, persons: [['E1', T('08:55:00')]] })])
    .tel(T('10:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, persons: [] })])
    .until(T('10:10:00'))
    .expect({ type: 'over-time', reason: 'dwell', subject: { workshopId: 'ws-charging', personId: 'E7' }, raisedAt: T('08:30:05'), clearedAt: T('08:40:05') })
    .expect({ type: 'over-time', reason: 'dwell', subject: { workshopId: 'ws-emulsify', personId: 'E2' }, raisedAt: T('09:10:05'), clearedAt: T('09:30:05') })
    .expect({ type: 'over-time', reason: 'dwell', subject: { workshopId: 'ws-charging', personId: 'E7' }, raisedAt: T('09:15:05'), clearedAt: T('09:20:05') })
    .expect({ type: 'over-time', reason: 'dwell', subject: { workshopId: 'ws-emulsify', personId: 'E1' }, raisedAt: T('09:55:05'), clearedAt: T('10:00:05') })
    .build();
}

// The door system drops E1 from the list for 5 s and then lists E1 again with the original since.
// The dwell alarm clears at 09:10:05 (false for clearAfterSeconds), and the condition, false between
// 09:10:00 and 09:10:05, holds again only from 09:10:05: the next record is raised at 09:10:10,
// never overlapping the first ("One alarm exists at a time per (type, subject, reason)").
function dwellReappears(): BuiltScenario {
  const ent = baseEnterprise();
  workshop(ent, 'ws-emulsify').maxDwellMinutes = 60;
  const T = localDay('2026-03-02', CST);
  return new Scenario(
    'dwell-person-reappears-with-same-since',
    'A person dropped from the persons list long enough for the dwell alarm to clear and then listed again with the same since starts a new alarm that does not overlap the cleared one.',
    siteOf([ent]),
  )
    .tel(T('08:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, persons: [['E1', T('08:00:00')]] })])
    .tel(T('09:10:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, persons: [] })])
    .tel(T('09:10:05'), 'gw-e', [ws('ws-emulsify', { hc: 1, persons: [['E1', T('08:00:00')]] })])
    .tel(T('09:20:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, persons: [] })])
    .until(T('09:30:00'))
    .expect({ type: 'over-time', reason: 'dwell', subject: { workshopId: 'ws-emulsify', personId: 'E1' }, raisedAt: T('09:00:05'), clearedAt: T('09:10:05') })
    .expect({ type: 'over-time', reason: 'dwell', subject: { workshopId: 'ws-emulsify', personId: 'E1' }, raisedAt: T('09:10:10'), clearedAt: T('09:20:05') })
    .build();
}
