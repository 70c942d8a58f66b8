import type { ClockDomain, Timer } from './heap.ts';
import type { WorkshopFacts } from './facts.ts';

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

/**
 * One subject's clock (SPEC 4): the later of its newest applied reading's `ts` and, while any of
 * its gateways is online, the platform clock. Offline, it stands still where its gateways left it.
 * A subject with no gateway (nothing reports it) follows the platform clock.
 */
export class SubjectClock implements ClockDomain {
  parked: Timer[] = [];
  constructor(
    private readonly gateways: readonly GatewayState[],
    private readonly platform: () => number,
    /** The subject's newest applied reading `ts` (read live from its facts). */
    private readonly newest: () => number,
  ) {}

  followsPlatform(): boolean {
    return this.gateways.length === 0 || this.gateways.some((g) => g.online);
  }

  clock(): number {
    const n = this.newest();
    if (this.gateways.length === 0) return Math.max(this.platform(), n);
    let frozen = -Infinity;
    for (const g of this.gateways) {
      if (g.online) return Math.max(this.platform(), n);
      frozen = Math.max(frozen, g.frozenAt);
    }
    return Math.max(frozen, n);
  }
}

/** The platform clock itself: gateway silence and offline alarms run on it. */
export class PlatformDomain implements ClockDomain {
  parked: Timer[] = [];
  constructor(private readonly platform: () => number) {}
  followsPlatform(): boolean {
    return true;
  }
  clock(): number {
    return this.platform();
  }
}
