import type { ClockDomain, Timer } from './heap.ts';
import type { LineFacts, WorkshopFacts } from './facts.ts';

/** A gateway's liveness (SPEC 4: offline by status or last will, or by silence; only telemetry is hearing from it). */
export class GatewayState {
  /** Not offline: neither announced offline nor silent past its timeout. */
  online = true;
  /** Announced offline by status (or last will) and not heard from since. */
  statusOffline = false;
  /** Platform time when it went offline: its subjects' clocks stand there. */
  frozenAt = -Infinity;
  /** Platform time of its last telemetry. */
  lastHeard: number;
  heard = false;
  /** A save in progress has yet to copy this gateway's state (RuleEngine.beginCapture). */
  capturing = false;
  /** Its workshops (those whose readings it may send), in configuration order; see `cursor`. */
  workshops: WorkshopFacts[] = [];
  /**
   * Where in `workshops` the next reading's workshop probably is: a gateway lists its workshops in
   * the same order batch after batch, so the engine tries that one (by id) before looking it up.
   */
  cursor = 0;
  /** Itself alone: the gateways of each of its workshops' clocks (one array for all of them). */
  readonly alone: readonly GatewayState[] = [this];
  /** The clock its offline alarm runs on (the platform's). */
  alarmDomain: ClockDomain | undefined = undefined;

  constructor(
    readonly enterpriseId: string,
    readonly gatewayId: string,
    readonly offlineAfterMs: number,
    startedAt: number,
  ) {
    this.lastHeard = startedAt;
  }

  /** When silence turns into offline. */
  silentAt(): number {
    return this.lastHeard + this.offlineAfterMs;
  }
}

/** Where a subject's clock reads its newest applied reading `ts` where its facts do not say (SubjectClock). */
export interface NewestSource {
  newestApplied(): number;
}

/** Which subject a clock keeps (SubjectClock.of): how it reads its newest applied reading. */
export const enum ClockOf {
  /** A workshop: its `newestTs`. */
  Workshop,
  /** A line's production: the newest of its products' `newestTs`. */
  Line,
  /** A line's staffing sum: the newest of its 1.1 workshops' `newestTs`. */
  LineStaffing,
  /** Anything else: a NewestSource. */
  Other,
}

/**
 * One subject's clock (SPEC 4): the later of its newest applied reading's `ts` and, while any of
 * its gateways is online, the platform clock. Offline, it stands still where its gateways left it.
 * A subject with no gateway (nothing reports it) follows the platform clock. Its facts and the
 * platform are objects it points at, not closures (one clock per workshop and two per line).
 */
export class SubjectClock implements ClockDomain {
  parked: Timer[] | undefined = undefined;
  constructor(
    private readonly gateways: readonly GatewayState[],
    private readonly platform: ClockDomain,
    private readonly source: WorkshopFacts | LineFacts | NewestSource,
    private readonly of: ClockOf,
  ) {}

  /** The subject's newest applied reading `ts` (read live from its facts), -Infinity before any. */
  private newest(): number {
    switch (this.of) {
      case ClockOf.Workshop:
        return (this.source as WorkshopFacts).newestTs;
      case ClockOf.Line: {
        let m = -Infinity;
        for (const x of (this.source as LineFacts).newestTs.values()) if (x > m) m = x;
        return m;
      }
      case ClockOf.LineStaffing: {
        let m = -Infinity;
        for (const w of (this.source as LineFacts).staffingWorkshops) if (w.newestTs > m) m = w.newestTs;
        return m;
      }
      default:
        return (this.source as NewestSource).newestApplied();
    }
  }

  followsPlatform(): boolean {
    return this.gateways.length === 0 || this.gateways.some((g) => g.online);
  }

  clock(): number {
    const n = this.newest();
    if (this.gateways.length === 0) return Math.max(this.platform.clock(), n);
    let frozen = -Infinity;
    for (const g of this.gateways) {
      if (g.online) return Math.max(this.platform.clock(), n);
      frozen = Math.max(frozen, g.frozenAt);
    }
    return Math.max(frozen, n);
  }
}

/** The platform clock itself: gateway silence and offline alarms run on it. */
export class PlatformDomain implements ClockDomain {
  parked: Timer[] | undefined = undefined;
  constructor(private readonly platform: () => number) {}
  followsPlatform(): boolean {
    return true;
  }
  clock(): number {
    return this.platform();
  }
}
