// STUB: being written. The public API below is fixed; other modules may code against it.
import type { AlarmRecord, LineLive, SiteConfig, WorkshopLive } from '@hazwatch/protocols';
import type { EngineInput, EngineOutput } from './types.ts';

export type RuleEngineOptions = {
  site: SiteConfig;
  /** The configuration revision in force; each alarm records it. */
  revision: number;
  /** The platform's start (epoch ms): gateways never heard from go offline `offlineAfterSeconds` after it. */
  startedAt: number;
  /** Alarm id generator (defaults to a counter-based id); injected so replays are deterministic. */
  newId?: () => string;
};

export type EngineSnapshot = { version: 1; [k: string]: unknown };

export class RuleEngine {
  constructor(_opts: RuleEngineOptions) {}
  /** Moves the platform clock to `now`, firing every timer due up to and including it. */
  advance(_now: number): EngineOutput { throw new Error('not yet'); }
  /** Advances to `input.at`, then applies the input (SPEC 4 ordering: due timers fire first). */
  apply(_input: EngineInput): EngineOutput { throw new Error('not yet'); }
  /** Applies a new configuration revision at `now` without losing state. */
  reconfigure(_site: SiteConfig, _revision: number, _now: number): EngineOutput { throw new Error('not yet'); }
  /** Earliest pending timer (epoch ms), for the live scheduler; undefined when none. */
  nextDue(): number | undefined { return undefined; }
  /** Every alarm record this engine has produced (active and cleared), in raise order. */
  alarms(): AlarmRecord[] { return []; }
  activeAlarms(): AlarmRecord[] { return []; }
  workshops(): WorkshopLive[] { return []; }
  lines(): LineLive[] { return []; }
  snapshot(): EngineSnapshot { return { version: 1 }; }
  static restore(_opts: RuleEngineOptions, _snap: EngineSnapshot): RuleEngine { throw new Error('not yet'); }
}
