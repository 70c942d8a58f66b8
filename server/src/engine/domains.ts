import type { ClockDomain, Timer } from './heap.ts';

/**
 * SPEC 4 clocks. A gateway's subjects follow the later of their newest applied reading and, while
 * the gateway is online, the platform clock; offline, they stand still where they were.
 */
export class GatewayDomain implements ClockDomain {
  parked: Timer[] = [];
  /** Not offline: neither announced offline nor silent past its timeout. */
  online = true;
  /** Announced offline by status (or last will) and not heard from since. */
  statusOffline = false;
  /** Platform time when it went offline; its subjects' clocks stand here. */
  frozenAt = -Infinity;
  /** Newest applied reading `ts` of any of its subjects. */
  newestTs = -Infinity;
  /** Platform time of its last telemetry (SPEC 4: only telemetry counts as being heard from). */
  lastHeard: number;
  heard = false;
  /** Multi-gateway domains that depend on this one. */
  dependents: MultiDomain[] = [];

  constructor(
    readonly enterpriseId: string,
    readonly gatewayId: string,
    readonly offlineAfterMs: number,
    private readonly platform: () => number,
    startedAt: number,
  ) {
    this.lastHeard = startedAt;
  }

  clock(): number {
    return Math.max(this.online ? this.platform() : this.frozenAt, this.newestTs);
  }

  /** When silence turns into offline. */
  silentAt(): number {
    return this.lastHeard + this.offlineAfterMs;
  }
}

/** A subject spanning several gateways follows the platform clock while any of them is online. */
export class MultiDomain implements ClockDomain {
  parked: Timer[] = [];
  constructor(
    readonly members: GatewayDomain[],
    private readonly platform: () => number,
  ) {
    for (const m of members) m.dependents.push(this);
  }

  clock(): number {
    if (this.members.length === 0) return this.platform();
    let c = -Infinity;
    let anyOnline = false;
    for (const m of this.members) {
      if (m.online) anyOnline = true;
      c = Math.max(c, m.clock());
    }
    return anyOnline ? Math.max(c, this.platform()) : c;
  }
}

/** The platform clock itself: gateway silence and offline alarms run on it. */
export class PlatformDomain implements ClockDomain {
  parked: Timer[] = [];
  constructor(private readonly platform: () => number) {}
  clock(): number {
    return this.platform();
  }
}
