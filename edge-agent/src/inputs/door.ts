// Door counters and access control as an input: the access system posts enter and exit events (with
// badge ids where it has them) to the agent's HTTP server; the door ledger turns them into each
// workshop's headcount and the persons inside since when. A request is checked whole before any of it
// applies: an unknown door or a malformed event refuses the request (400) and nothing changes.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Id, Timestamp, formatProblems, problemsOf } from '@hazwatch/protocols';
import type { Clock } from '../clock.ts';
import type { DoorInputConfig } from '../config.ts';
import type { AgentHttpServer } from '../http/server.ts';
import { DoorLedger, type DoorEvent, type DoorFault } from './door-ledger.ts';
import type { InputAdapter, InputHealth, ReadingSink } from './adapter.ts';

type Config = z.output<typeof DoorInputConfig>;

const MAX_EVENTS_PER_REQUEST = 1000;

export const DoorEventBody = z.strictObject({
  door: Id,
  direction: z.enum(['enter', 'exit']),
  /** The badge (person id); absent for counters that cannot tell who. */
  badge: Id.optional(),
  /** The line the person works for, where a workshop is shared by lines. */
  lineId: Id.optional(),
  /** Default: when the agent receives it. */
  ts: Timestamp.optional(),
});

const Body = z.union([DoorEventBody, z.array(DoorEventBody).max(MAX_EVENTS_PER_REQUEST)]);

export function doorInput(config: Config, deps: { clock: Clock; logger: Logger; http: AgentHttpServer; dataDir: string }): InputAdapter {
  const name = config.name ?? 'door';
  const log = deps.logger.child({ input: name });
  const ledger = new DoorLedger(config.workshops, join(deps.dataDir, `doors-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`));
  let sink: ReadingSink | null = null;
  let events = 0;
  let refused = 0;
  let lastFault: DoorFault | null = null;

  deps.http.post(config.path, ({ body }) => {
    if (!sink) return { status: 503, body: { error: 'the door input is not running' } };
    const parsed = Body.safeParse(body);
    if (!parsed.success) {
      refused++;
      const problems = problemsOf(parsed.error);
      return { status: 400, body: { error: `door events refused:\n${formatProblems(problems)}`, problems } };
    }
    const list = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const unknown = list.map((e, i) => ({ e, i })).filter(({ e }) => ledger.workshopOf(e.door) === undefined);
    if (unknown.length > 0) {
      refused++;
      const problems = unknown.map(({ e, i }) => ({ path: Array.isArray(parsed.data) ? `[${i}].door` : 'door', message: `${e.door} is not a door of this gateway` }));
      return { status: 400, body: { error: `door events refused:\n${formatProblems(problems)}`, problems } };
    }
    const now = deps.clock.now();
    const faults: (DoorFault & { index: number })[] = [];
    const touched = new Set<string>();
    list.forEach((e, index) => {
      const event: DoorEvent = { door: e.door, direction: e.direction, badge: e.badge, lineId: e.lineId, ts: e.ts ?? now };
      const fault = ledger.apply(event);
      touched.add(ledger.workshopOf(e.door)!);
      if (fault) {
        faults.push({ ...fault, index });
        lastFault = fault;
        log.warn({ fault }, `door fault: ${fault.message}`);
      }
    });
    events += list.length;
    // On disk before the answer: an access system that got 200 may forget the events.
    ledger.save();
    sink([...touched].map((w) => ledger.reading(w)));
    return { status: 200, body: { accepted: list.length, faults } };
  });

  return {
    name,
    async start(s) {
      sink = s;
      // The state the ledger kept across the restart still holds: say so now.
      const now = deps.clock.now();
      sink(config.workshops.map((w) => ledger.reading(w.workshopId, now)));
    },
    async stop() {
      sink = null;
    },
    health(): InputHealth {
      return { kind: 'door', name, ok: true, path: config.path, events, refused, workshops: ledger.stats(), lastFault };
    },
  };
}
