// An HTTP push endpoint for a personnel-positioning or access system that knows the state itself: it
// posts readings (SPEC 2 shape; `ts` optional, default now) for the workshops and lines it may report.
// A request is checked whole, and refused whole (400, every problem listed) if any reading is bad, so a
// push never half-applies. A source that goes quiet for `staleAfterSeconds` has its values reported as
// unknown (`null`): a positioning system that crashed must not leave its last headcount standing.
import type { Logger } from 'pino';
import type { z } from 'zod';
import { Reading, formatProblems, problemsOf, type Problem } from '@hazwatch/protocols';
import type { Clock, TimerHandle } from '../clock.ts';
import type { HttpPushInputConfig } from '../config.ts';
import type { AgentHttpServer } from '../http/server.ts';
import type { InputAdapter, InputHealth, ReadingSink } from './adapter.ts';

type Config = z.output<typeof HttpPushInputConfig>;

const MAX_READINGS_PER_REQUEST = 1000;

type Reported = { at: number; headcount: boolean; materialKg: boolean; stale: boolean };

export function httpPushInput(config: Config, deps: { clock: Clock; logger: Logger; http: AgentHttpServer }): InputAdapter {
  const name = config.name ?? 'http-push';
  const log = deps.logger.child({ input: name });
  const workshops = new Set(config.workshops);
  const lines = new Set(config.lines);
  /** Per workshop: when the source last spoke and which values it reports. */
  const reported = new Map<string, Reported>();
  let sink: ReadingSink | null = null;
  let timer: TimerHandle | null = null;
  let accepted = 0;
  let refused = 0;
  let lastPushAt: number | null = null;

  deps.http.post(config.path, ({ headers, body }) => {
    if (!sink) return { status: 503, body: { error: 'the push input is not running' } };
    if (config.token !== undefined && headers.authorization !== `Bearer ${config.token}`) {
      refused++;
      return { status: 401, body: { error: 'a valid Authorization: Bearer token is required' } };
    }
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0 || items.length > MAX_READINGS_PER_REQUEST) {
      refused++;
      return { status: 400, body: { error: `send 1 to ${MAX_READINGS_PER_REQUEST} readings (an object or an array)` } };
    }
    const now = deps.clock.now();
    const problems: Problem[] = [];
    const readings: Reading[] = [];
    items.forEach((item, i) => {
      const at = Array.isArray(body) ? `[${i}]` : '';
      const withTs = item !== null && typeof item === 'object' && !Array.isArray(item) && !('ts' in item) ? { ...item, ts: now } : item;
      const r = Reading.safeParse(withTs);
      if (!r.success) {
        for (const p of problemsOf(r.error)) problems.push({ path: at && p.path !== '(document)' ? `${at}.${p.path}` : at || p.path, message: p.message });
        return;
      }
      const subject = 'workshopId' in r.data ? r.data.workshopId : r.data.lineId;
      const allowed = 'workshopId' in r.data ? workshops.has(subject) : lines.has(subject);
      if (!allowed) {
        problems.push({ path: `${at ? `${at}.` : ''}${'workshopId' in r.data ? 'workshopId' : 'lineId'}`, message: `${subject} is not reported by this source` });
        return;
      }
      readings.push(r.data);
    });
    if (problems.length > 0) {
      refused++;
      return { status: 400, body: { error: `readings refused:\n${formatProblems(problems)}`, problems } };
    }
    for (const r of readings) {
      if (!('workshopId' in r)) continue;
      const prev = reported.get(r.workshopId);
      reported.set(r.workshopId, {
        at: now,
        headcount: r.headcount !== undefined || (prev?.headcount ?? false),
        materialKg: r.materialKg !== undefined || (prev?.materialKg ?? false),
        stale: false,
      });
    }
    accepted += readings.length;
    lastPushAt = now;
    sink(readings);
    return { status: 200, body: { accepted: readings.length } };
  });

  function checkStale(): void {
    if (!sink || config.staleAfterSeconds === undefined) return;
    const now = deps.clock.now();
    const out: unknown[] = [];
    for (const [workshopId, r] of reported) {
      if (r.stale || now - r.at < config.staleAfterSeconds * 1000) continue;
      r.stale = true;
      out.push({ workshopId, ts: now, ...(r.headcount ? { headcount: null } : {}), ...(r.materialKg ? { materialKg: null } : {}) });
      log.warn({ workshopId, silentSeconds: (now - r.at) / 1000 }, 'push source silent; its values are unknown until it pushes again');
    }
    if (out.length > 0) sink(out);
  }

  return {
    name,
    async start(s) {
      sink = s;
      if (config.staleAfterSeconds !== undefined) timer = deps.clock.every(checkStale, Math.min(1000, (config.staleAfterSeconds * 1000) / 4));
    },
    async stop() {
      timer?.cancel();
      timer = null;
      sink = null;
    },
    health(): InputHealth {
      const stale = [...reported].filter(([, r]) => r.stale).map(([id]) => id);
      return { kind: 'http-push', name, ok: stale.length === 0, path: config.path, accepted, refused, lastPushAt, stale };
    },
  };
}
