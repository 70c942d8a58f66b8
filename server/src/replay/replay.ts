import type { AlarmEvent, AlarmRecord, SiteConfig } from '@hazwatch/protocols';
import { iso, problemsOf, formatProblems } from '@hazwatch/protocols';
import { RuleEngine, type EngineOutput } from '../engine/index.ts';
import { bindingsOf } from '../ingest/bindings.ts';
import { checkStatus, checkTelemetry } from '../ingest/validate.ts';
import { RecordedInput } from './input.ts';

export type ReplayRejection = { index: number; reason: string; detail: string };

export type ReplayResult = {
  /** Alarm transitions in the order the engine produced them. */
  events: AlarmEvent[];
  /** Every alarm record as it stands at the end. */
  alarms: AlarmRecord[];
  rejected: ReplayRejection[];
  duplicates: number;
};

/**
 * Runs recorded inputs through the live service's admission checks and rule engine on a virtual
 * clock (SPEC 6): the clock starts at the first input's `at`, moves to each input's `at` before
 * applying it, and finally to `until`, firing every timer due on the way.
 */
export function replay(site: SiteConfig, rawInputs: unknown[], until?: number, revision = 1): ReplayResult {
  const inputs: { index: number; input: RecordedInput }[] = [];
  const rejected: ReplayRejection[] = [];
  rawInputs.forEach((raw, index) => {
    const r = RecordedInput.safeParse(raw);
    if (r.success) inputs.push({ index, input: r.data });
    else rejected.push({ index, reason: 'invalid-input', detail: formatProblems(problemsOf(r.error)) });
  });
  const first = inputs[0]?.input.at ?? until ?? 0;
  let n = 0;
  const engine = new RuleEngine({ site, revision, startedAt: first, keepHistory: true, newId: () => `A${String(++n).padStart(6, '0')}` });
  const bindings = bindingsOf(site);
  const seen = new Set<string>();
  const events: AlarmEvent[] = [];
  let duplicates = 0;
  const collect = (out: EngineOutput) => {
    for (const t of out.transitions) events.push({ kind: t.kind, at: iso(t.at), alarm: t.alarm });
  };
  for (const { index, input } of inputs) {
    const topic = { kind: input.telemetry !== undefined ? 'telemetry' : 'status', enterpriseId: input.enterpriseId, gatewayId: input.gatewayId } as const;
    // The clock moves to `at` whether or not the input is admitted: time passed all the same.
    collect(engine.advance(input.at));
    if (input.telemetry !== undefined) {
      const c = checkTelemetry({ ...topic, kind: 'telemetry' }, input.telemetry, bindings, input.at);
      if (!c.ok) {
        rejected.push({ index, reason: c.reason, detail: c.detail });
        continue;
      }
      // (enterprise, gateway, seq) identifies a batch: a redelivery is applied once.
      const id = `${input.enterpriseId}/${input.gatewayId}/${c.batch.seq}`;
      if (seen.has(id)) {
        duplicates++;
        continue;
      }
      seen.add(id);
      collect(engine.apply({ kind: 'telemetry', at: input.at, enterpriseId: input.enterpriseId, gatewayId: input.gatewayId, batch: c.batch }));
    } else {
      const c = checkStatus({ ...topic, kind: 'status' }, input.status, bindings);
      if (!c.ok) {
        rejected.push({ index, reason: c.reason, detail: c.detail });
        continue;
      }
      collect(engine.apply({ kind: 'status', at: input.at, enterpriseId: input.enterpriseId, gatewayId: input.gatewayId, status: c.status }));
    }
  }
  if (until !== undefined) collect(engine.advance(until));
  return { events, alarms: engine.alarms(), rejected, duplicates };
}
