// How inputs arrive (SPEC 2 and 4): outages and late store-and-forward batches, order inside a batch,
// redelivery, stale and future readings, bindings, and a gateway's own offline alarm.
import { Scenario, ln, localDay, ms, raw, ws, type BuiltScenario } from '../dsl.ts';
import { baseEnterprise, gateway, siteOf, workshop } from '../site.ts';

const T = localDay('2026-03-02', '+08:00');

export function deliveryScenarios(): BuiltScenario[] {
  return [
    lateBatch(), outageFreezesClocks(), outageFreezesClearTimer(), silenceFreezesClocks(), outOfOrderBatch(), duplicateBatch(), staleReading(), futureReading(),
    futureReadingKeepsOtherClocks(), rejectedThenRedelivered(), delayedBeforeWindowStart(), delayedBeforeMidnight(), unboundWorkshop(), invalidBatch(), neverHeard(), firstHeardLate(),
    silenceBoundary(), lastWillRepeated(), untilInclusive(), rfc3339Times(),
  ];
}

// The last will puts gw-e offline at 10:05. At 10:30 the agent replays what it spooled: applied in ts
// order, it raises and clears alarms in the past (late: true). line-e1's sum goes 3 → 4 → 6 → 5 → 2.
function lateBatch(): BuiltScenario {
  return new Scenario(
    'late-batch-after-outage',
    'A store-and-forward batch arriving after an outage is applied in ts order and raises and clears alarms at their event times in the past, marked late; the gateway-offline alarm clears once the batch arrives.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('10:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 }), ws('ws-charging', { hc: 1 })])
    .status(T('10:05:00'), 'gw-e', 'offline')
    .tel(T('10:30:00'), 'gw-e', [
      ws('ws-emulsify', { ts: T('10:10:00'), hc: 3 }),
      ws('ws-charging', { ts: T('10:15:00'), hc: 3 }),
      ws('ws-emulsify', { ts: T('10:20:00'), hc: 2 }),
      ws('ws-charging', { ts: T('10:25:00'), hc: 0 }),
    ])
    .until(T('10:40:00'))
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-e' }, raisedAt: T('10:05:05'), clearedAt: T('10:30:05'), late: false })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('10:10:05'), clearedAt: T('10:20:05'), late: true, value: 3 })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-charging' }, raisedAt: T('10:15:05'), clearedAt: T('10:25:05'), late: true, value: 3 })
    .expect({ type: 'over-staffing', subject: { lineId: 'line-e1' }, raisedAt: T('10:10:05'), clearedAt: T('10:25:05'), late: true, value: 4, peak: 6, limit: 3 })
    .build();
}

// "When a gateway goes offline ... its subjects' clocks stand still there." Both excesses began at
// 10:00:00 and gw-e dropped at 10:00:02, before either debounce ran out. The spooled batch shows
// ws-emulsify back at 2 from 10:00:03: it never held 5 s, so no alarm. Nothing more came for
// ws-packing (1.2, limit 4), whose 5 held on: once the gateway is back its timer fires at its due
// time, 10:00:05, detected at 10:30 (late).
function outageFreezesClocks(): BuiltScenario {
  return new Scenario(
    'outage-freezes-subject-clocks',
    "While a gateway is offline its workshops' debounce timers stand still: an excess the late batch shows ending before raiseAfterSeconds raises nothing, while one that held on is raised at its due time, late, once the gateway is back.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('10:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 }), ws('ws-packing', { hc: 5 })])
    .status(T('10:00:02'), 'gw-e', 'offline')
    .tel(T('10:30:00'), 'gw-e', [ws('ws-emulsify', { ts: T('10:00:03'), hc: 2 })])
    .until(T('10:40:00'))
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-e' }, raisedAt: T('10:00:07'), clearedAt: T('10:30:05') })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-packing' }, raisedAt: T('10:00:05'), clearedAt: null, late: true, value: 5, limit: 4 })
    .build();
}

// Readings inside a batch are listed newest first; applied in ts order they show 3 persons from
// 10:00:20 to 10:00:40 (applied in list order the older one would be stale and ignored).
function outOfOrderBatch(): BuiltScenario {
  return new Scenario(
    'batch-readings-out-of-order',
    'Readings listed out of ts order inside one batch are applied in ts order, so an excess between them raises and clears at its event times, late.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('10:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('10:01:00'), 'gw-e', [ws('ws-emulsify', { ts: T('10:00:40'), hc: 2 }), ws('ws-emulsify', { ts: T('10:00:20'), hc: 3 })])
    .until(T('10:02:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('10:00:25'), clearedAt: T('10:00:45'), late: true })
    .build();
}

// "(enterpriseId, gatewayId, seq) identifies a batch, so a batch delivered twice ... is applied once."
// seq 3 is redelivered as is; seq 2 comes again carrying a newer excess, which is not applied either.
function duplicateBatch(): BuiltScenario {
  return new Scenario(
    'duplicate-batch-applied-once',
    'A batch delivered again with a seq already applied is ignored, both an identical redelivery and one whose readings differ.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 })])
    .tel(T('09:02:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('09:02:30'), 'gw-e', [ws('ws-emulsify', { ts: T('09:02:00'), hc: 2 })], { seq: 3, sentAt: T('09:02:00') })
    .tel(T('09:03:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 })], { seq: 2 })
    .tel(T('09:04:00'), 'gw-e', [ws('tp-e1', { hc: 0 })])
    .until(T('09:05:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:01:05'), clearedAt: T('09:02:05') })
    .build();
}

// tp-e1's newest applied reading is 09:01:00; one from 09:00:30 arriving later is stored, not applied.
// ws-packing's newest is 09:00:00; one from 09:01:30 arriving at 09:02 is behind the clock but newer,
// so it applies at its ts and its due timers fire at once, at their due times.
function staleReading(): BuiltScenario {
  return new Scenario(
    'reading-older-than-newest-not-applied',
    "A reading older than its workshop's newest applied reading does not change the live state; a delayed reading that is still the newest applies at its own ts, raising and clearing at their due times, late.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('tp-e1', { hc: 0 }), ws('ws-packing', { hc: 0 })])
    .tel(T('09:01:00'), 'gw-e', [ws('tp-e1', { hc: 0 })])
    .tel(T('09:02:00'), 'gw-e', [ws('tp-e1', { ts: T('09:00:30'), hc: 2 }), ws('ws-packing', { ts: T('09:01:30'), hc: 5 })])
    .tel(T('09:03:00'), 'gw-e', [ws('ws-packing', { ts: T('09:02:30'), hc: 1 })])
    .until(T('09:04:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-packing' }, raisedAt: T('09:01:35'), clearedAt: T('09:02:35'), late: true })
    .build();
}

// "a ts more than 5 minutes in the future" is rejected, and a batch is never half-applied: seq 2's
// excess in ws-emulsify goes with it. Exactly 5 minutes ahead is accepted and applies at its ts
// (ws-packing's clock jumps to 09:07:00); the other workshops keep the platform clock.
function futureReading(): BuiltScenario {
  return new Scenario(
    'future-reading-rejects-batch',
    'A batch with one reading more than 5 minutes ahead of the platform clock is refused whole; a reading exactly 5 minutes ahead is accepted and takes effect at its own ts, without moving other workshops\' clocks.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 }), ws('ws-charging', { ts: T('09:06:01'), hc: 0 })], { reject: true })
    .tel(T('09:02:00'), 'gw-e', [ws('ws-packing', { ts: T('09:07:00'), hc: 5 }), ws('ws-emulsify', { hc: 3 })])
    .tel(T('09:03:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('09:08:00'), 'gw-e', [ws('ws-packing', { hc: 0 })])
    .until(T('09:10:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:02:05'), clearedAt: T('09:03:05'), late: false })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-packing' }, raisedAt: T('09:07:05'), clearedAt: T('09:08:05') })
    .build();
}

// "A gateway may publish only ... for the workshops and lines the site configuration binds to it;
// anything else is refused" — whole batches, so the bound readings beside them are not applied either.
function unboundWorkshop(): BuiltScenario {
  return new Scenario(
    'unbound-reading-rejects-batch',
    "A batch carrying a reading for a workshop or line not bound to the publishing gateway is refused whole, including its readings for the gateway's own workshop.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-a', [ws('ws-assembly', { hc: 7 }), ws('ws-emulsify', { hc: 3 })], { reject: true })
    .tel(T('09:01:00'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .tel(T('09:02:00'), 'gw-a', [ws('ws-assembly', { hc: 6 }), ln('line-e1', 0)], { reject: true })
    .tel(T('09:03:00'), 'gw-a', [ws('ws-assembly', { hc: 6 })])
    .until(T('09:04:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-assembly' }, raisedAt: T('09:01:05'), clearedAt: T('09:03:05') })
    .build();
}

// "A configured gateway not heard from within offlineAfterSeconds of the platform's start (in replay,
// of the first input) is offline too. Only telemetry counts as being heard from." gw-a announces
// itself online but sends no telemetry; gw-p sends nothing at all. gw-e's last telemetry at 09:02:00
// makes it offline at 09:03:00, too late to raise before `until`.
function neverHeard(): BuiltScenario {
  const ent = baseEnterprise();
  ent.gateways = [
    { id: 'gw-e', workshops: ['ws-emulsify', 'ws-charging', 'tp-e1'], lines: ['line-e1'] },
    { id: 'gw-p', workshops: ['ws-packing'], lines: [] },
    { id: 'gw-a', workshops: ['ws-assembly'], lines: ['line-a1', 'line-a2'] },
  ];
  const s = new Scenario(
    'gateway-never-heard',
    'Gateways that send no telemetry within offlineAfterSeconds of the first input are offline from then on, even one that published an online status; a gateway whose silence starts later is not.',
    siteOf([ent], { offlineAfterSeconds: 60 }),
  ).status(T('09:00:00'), 'gw-a', 'online');
  for (const t of ['09:00:00', '09:00:30', '09:01:00', '09:01:30', '09:02:00']) s.tel(T(t), 'gw-e', [ws('ws-emulsify', { hc: 0 })]);
  return s
    .until(T('09:03:00'))
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-a' }, raisedAt: T('09:01:05'), clearedAt: null })
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-p' }, raisedAt: T('09:01:05'), clearedAt: null })
    .build();
}

// Silence of exactly offlineAfterSeconds + raiseAfterSeconds (65 s) raises at the instant telemetry
// resumes (timers first), which then clears it 5 s later; 64 s raises nothing.
function silenceBoundary(): BuiltScenario {
  const s = new Scenario(
    'gateway-silence-boundary',
    'A gateway silent for offlineAfterSeconds plus exactly raiseAfterSeconds is raised offline at the instant its telemetry resumes and cleared clearAfterSeconds later; one silent a second less raises nothing.',
    siteOf([baseEnterprise()], { offlineAfterSeconds: 60 }),
  );
  // gw-a one second ahead of gw-e each time, so the inputs stay in arrival order.
  for (const [a, e] of [['09:00:00', '09:00:00'], ['09:01:04', '09:01:05'], ['09:01:34', '09:01:35'], ['09:02:04', '09:02:05'], ['09:02:34', '09:02:35']] as const) {
    s.tel(T(a), 'gw-a', [ws('ws-assembly', { hc: 0 })]).tel(T(e), 'gw-e', [ws('ws-emulsify', { hc: 0 })]);
  }
  return s
    .until(T('09:03:00'))
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-e' }, raisedAt: T('09:01:05'), clearedAt: T('09:01:10') })
    .build();
}

// Offline by silence freezes clocks too, at lastHeard + offlineAfterSeconds (09:01:00). Both
// workshops raise after 120 s, so both timers (due 09:02:00) are pending when gw-e falls silent. The
// spool shows ws-emulsify back at 2 from 09:00:30: no alarm. ws-packing (1.2) stayed at 5: raised at
// 09:02:00 once gw-e is back, late. Only gw-e is configured, so no other gateway goes offline.
function silenceFreezesClocks(): BuiltScenario {
  const ent = baseEnterprise();
  ent.gateways = [gateway(ent, 'gw-e')];
  ent.workshops = ent.workshops!.filter((w) => w.id !== 'ws-assembly');
  ent.lines = ent.lines!.filter((l) => l.id === 'line-e1');
  for (const id of ['ws-emulsify', 'ws-packing']) workshop(ent, id).raiseAfterSeconds = 120;
  return new Scenario(
    'silence-freezes-subject-clocks',
    "A gateway offline by silence stops its workshops' clocks from the moment its timeout passed: pending timers wait for its return, then fire at their due times (late) unless the late readings ended the condition first.",
    siteOf([ent], { offlineAfterSeconds: 60 }),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 }), ws('ws-packing', { hc: 5 })])
    .tel(T('09:10:00'), 'gw-e', [ws('ws-emulsify', { ts: T('09:00:30'), hc: 2 })])
    .until(T('09:10:30'))
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-e' }, raisedAt: T('09:01:05'), clearedAt: T('09:10:05') })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-packing' }, raisedAt: T('09:02:00'), clearedAt: null, late: true, value: 5 })
    .build();
}

// A batch refused for a reading 5.5 minutes ahead was never applied; delivered again with the same
// seq when that reading is only 4 minutes ahead, it is applied (once) at its ts.
function rejectedThenRedelivered(): BuiltScenario {
  return new Scenario(
    'rejected-batch-redelivered-later',
    'A batch refused because its reading lay more than 5 minutes ahead is applied when the same batch (same seq) is delivered again within the 5 minutes, taking effect at its ts.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 0 })])
    .tel(T('09:00:30'), 'gw-e', [ws('ws-packing', { ts: T('09:06:00'), hc: 5 })], { reject: true, sentAt: T('09:00:30') })
    .tel(T('09:02:00'), 'gw-e', [ws('ws-packing', { ts: T('09:06:00'), hc: 5 })], { seq: 2, sentAt: T('09:00:30') })
    .tel(T('09:07:00'), 'gw-e', [ws('ws-packing', { hc: 0 })])
    .until(T('09:08:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-packing' }, raisedAt: T('09:06:05'), clearedAt: T('09:07:05') })
    .build();
}

// SPEC 1: wire timestamps are epoch ms or RFC 3339 with an offset. Here every ts, sentAt, since and
// status ts is text, in +08:00 or in Z.
function rfc3339Times(): BuiltScenario {
  const ent = baseEnterprise();
  workshop(ent, 'ws-emulsify').maxDwellMinutes = 60;
  return new Scenario(
    'rfc3339-wire-times',
    'Timestamps sent as RFC 3339 text in any offset (ts, sentAt, persons since, status ts) mean the same instants as epoch milliseconds.',
    siteOf([ent]),
  )
    .rfc3339()
    .tel(T('08:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 1, persons: [['E1', '2026-03-02T00:00:00Z']] })])
    .tel(T('09:30:00'), 'gw-e', [ws('ws-emulsify', { ts: '2026-03-02T01:30:00Z', hc: 0, persons: [] })])
    .status(T('09:40:00'), 'gw-e', 'offline')
    .until(T('09:45:00'))
    .expect({ type: 'over-time', reason: 'dwell', subject: { workshopId: 'ws-emulsify', personId: 'E1' }, raisedAt: T('09:00:05'), clearedAt: T('09:30:05') })
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-e' }, raisedAt: T('09:40:05'), clearedAt: null })
    .build();
}

// "A subject's clock is the later of its newest applied reading's ts and, while its gateway is
// online, the platform clock." ws-packing's reading 4 minutes ahead moves ws-packing's clock, not
// ws-emulsify's: ws-emulsify's excess from 09:02:00 ends at 09:02:03 by the platform clock, before
// its 5 s debounce ran out, so it raises nothing.
function futureReadingKeepsOtherClocks(): BuiltScenario {
  return new Scenario(
    'future-reading-keeps-other-clocks',
    "A reading a few minutes ahead moves only its own workshop's clock: another workshop of the same gateway still needs its excess to hold raiseAfterSeconds of platform time.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 }), ws('ws-packing', { hc: 0 })])
    .tel(T('09:02:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 }), ws('ws-packing', { ts: T('09:06:00'), hc: 5 })])
    .tel(T('09:02:03'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('09:07:00'), 'gw-e', [ws('ws-packing', { hc: 0 })])
    .until(T('09:08:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-packing' }, raisedAt: T('09:06:05'), clearedAt: T('09:07:05') })
    .build();
}

// A delayed reading (20 min in transit, the gateway online) that is still the workshop's newest
// "applies at its ts", even though the window opening at 08:00 has passed since: the person was
// inside 07:50–08:00, outside hours, so outside-hours is raised at 07:50:05 and cleared at 08:00:05,
// both late.
function delayedBeforeWindowStart(): BuiltScenario {
  const ent = baseEnterprise();
  workshop(ent, 'ws-charging').operatingHours = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:30' }];
  return new Scenario(
    'delayed-reading-before-window-start',
    'A delayed reading still newer than its workshop\'s latest applies at its own ts even when an operating window opened in between: presence before the window raises and clears outside-hours in the past, late.',
    siteOf([ent]),
  )
    .tel(T('07:00:00'), 'gw-e', [ws('ws-charging', { hc: 0, kg: 0 })])
    .tel(T('08:10:00'), 'gw-e', [ws('ws-charging', { ts: T('07:50:00'), hc: 1, kg: 0 })], { sentAt: T('07:50:00') })
    .until(T('08:20:00'))
    .expect({ type: 'over-time', reason: 'outside-hours', subject: { workshopId: 'ws-charging' }, raisedAt: T('07:50:05'), clearedAt: T('08:00:05'), late: true })
    .build();
}

// The same across local midnight: readings from 23:50 of a closed day arrive at 00:10. The person in
// ws-emulsify was inside on the closed day from 23:50 (closed-day until midnight); line-e1's counter
// shows the day's output passing 40000 at 23:50 (day alarm until midnight).
function delayedBeforeMidnight(): BuiltScenario {
  const ent = baseEnterprise();
  ent.calendar = { closed: ['2026-10-01'] };
  const oct1 = localDay('2026-10-01', '+08:00');
  const oct2 = localDay('2026-10-02', '+08:00');
  return new Scenario(
    'delayed-reading-before-midnight',
    'Delayed readings from shortly before local midnight apply at their own ts after midnight has passed: a closed-day presence and a day output excess are raised before midnight and cleared at midnight, late.',
    siteOf([ent]),
  )
    .tel(oct1('20:00:00'), 'gw-e', [ln('line-e1', 0)])
    .tel(oct1('23:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 0, kg: 0 }), ln('line-e1', 30_000)])
    .tel(oct2('00:10:00'), 'gw-e', [ws('ws-emulsify', { ts: oct1('23:50:00'), hc: 1, kg: 0 }), ln('line-e1', 45_000, { ts: oct1('23:50:00') })], { sentAt: oct1('23:50:00') })
    .until(oct2('00:20:00'))
    .expect({ type: 'over-time', reason: 'closed-day', subject: { workshopId: 'ws-emulsify' }, raisedAt: oct1('23:50:05'), clearedAt: oct2('00:00:05'), late: true })
    .expect({ type: 'over-production', reason: 'day', subject: { lineId: 'line-e1' }, raisedAt: oct1('23:50:05'), clearedAt: oct2('00:00:05'), late: true, value: 45_000 })
    .build();
}

// "Bad input (... wrong shape, negative counts, ...) is rejected ...; it never ... half-applies a
// batch", and a gateway publishes only under its own prefix: a payload naming another gateway is
// refused too. Each refused batch also carries an excess for ws-emulsify that must not apply.
function invalidBatch(): BuiltScenario {
  return new Scenario(
    'invalid-batch-rejected-whole',
    "A batch with one malformed reading (a negative headcount) or whose payload names another gateway than the topic is refused whole, so its valid readings change nothing either.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .tel(T('09:01:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 }), raw({ workshopId: 'ws-charging', ts: ms(T('09:01:00')), headcount: { total: -1 } })], { reject: true })
    .tel(T('09:02:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 })], { reject: true, payloadGatewayId: 'gw-a' })
    .tel(T('09:03:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 })])
    .tel(T('09:04:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .until(T('09:05:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:03:05'), clearedAt: T('09:04:05') })
    .build();
}

// gw-a is silent from the start (offline at 09:01:00); its first telemetry at 09:05 brings it online
// and its workshop's excess is judged from then on.
function firstHeardLate(): BuiltScenario {
  const s = new Scenario(
    'gateway-first-heard-late',
    'A gateway silent since the start is offline from offlineAfterSeconds on; its first telemetry clears that alarm and its readings are judged from their ts on.',
    siteOf([baseEnterprise()], { offlineAfterSeconds: 60 }),
  );
  for (const t of ['09:00:00', '09:00:40', '09:01:20', '09:02:00', '09:02:40', '09:03:20', '09:04:00', '09:04:40', '09:05:20']) s.tel(T(t), 'gw-e', [ws('ws-emulsify', { hc: 0 })]);
  return s
    .tel(T('09:05:30'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .tel(T('09:06:00'), 'gw-a', [ws('ws-assembly', { hc: 6 })])
    .tel(T('09:06:00'), 'gw-e', [ws('ws-emulsify', { hc: 0 })])
    .until(T('09:06:30'))
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-a' }, raisedAt: T('09:01:05'), clearedAt: T('09:05:35') })
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-assembly' }, raisedAt: T('09:05:35'), clearedAt: T('09:06:05') })
    .build();
}

// A retained last will may reach the platform more than once; the gateway is offline once.
function lastWillRepeated(): BuiltScenario {
  return new Scenario(
    'gateway-last-will-repeated',
    'An offline status delivered twice keeps one gateway-offline alarm, which clears 5 s after telemetry resumes.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 0 })])
    .status(T('09:00:30'), 'gw-e', 'offline')
    .status(T('09:01:00'), 'gw-e', 'offline')
    .tel(T('09:02:00'), 'gw-e', [ws('ws-emulsify', { hc: 0 })])
    .until(T('09:03:00'))
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-e' }, raisedAt: T('09:00:35'), clearedAt: T('09:02:05') })
    .build();
}

// scenarios/README.md: "timers due up to and including [until] fire".
function untilInclusive(): BuiltScenario {
  return new Scenario(
    'until-fires-timers-due-at-it',
    'A debounce timer due exactly at until fires and raises; one due a second later does not.',
    siteOf([baseEnterprise()]),
  )
    .tel(T('09:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 })])
    .tel(T('09:00:01'), 'gw-a', [ws('ws-assembly', { hc: 7 })])
    .until(T('09:00:05'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('09:00:05'), clearedAt: null })
    .build();
}

// The clear side of a frozen clock: ws-emulsify's alarm had 3 s left of its 5 s clear debounce when
// gw-e dropped at 10:01:02. The spool shows the excess back at 10:01:04, so the same record stands
// until the spooled 10:20:00 reading ends it (cleared 10:20:05, detected at 10:30).
function outageFreezesClearTimer(): BuiltScenario {
  return new Scenario(
    'outage-freezes-clear-timer',
    "A pending clear of a workshop's alarm waits while its gateway is offline; when the late batch shows the excess back within clearAfterSeconds, the one record stands until the excess really ends.",
    siteOf([baseEnterprise()]),
  )
    .tel(T('10:00:00'), 'gw-e', [ws('ws-emulsify', { hc: 3 })])
    .tel(T('10:01:00'), 'gw-e', [ws('ws-emulsify', { hc: 2 })])
    .status(T('10:01:02'), 'gw-e', 'offline')
    .tel(T('10:30:00'), 'gw-e', [ws('ws-emulsify', { ts: T('10:01:04'), hc: 3 }), ws('ws-emulsify', { ts: T('10:20:00'), hc: 2 })])
    .until(T('10:40:00'))
    .expect({ type: 'over-staffing', subject: { workshopId: 'ws-emulsify' }, raisedAt: T('10:00:05'), clearedAt: T('10:20:05') })
    .expect({ type: 'gateway-offline', subject: { gatewayId: 'gw-e' }, raisedAt: T('10:01:07'), clearedAt: T('10:30:05') })
    .build();
}
