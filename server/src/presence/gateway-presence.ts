// Gateway presence: what the platform last heard from each configured gateway (GatewayLive), for the
// dashboard's 网关 tab. Fed the inputs ingest accepted (validated, stored, not duplicates), with their
// arrival time `at` (the platform clock). Held in memory: it is the link's present, and a restart
// learns it again from the next batch and the retained status. Whether a gateway is offline stays the
// `gateway-offline` alarm's to say (SPEC 4).
import { iso, type GatewayLive, type SiteConfig } from '@hazwatch/protocols';
import type { EngineInput } from '../engine/index.ts';

/**
 * A view whose only news is the time it was last heard (and its seq, and a clock offset that moved
 * less than OFFSET_NEWS_MS) goes out at most this often per gateway (ms). The dashboard computes the
 * age from `lastHeardAt` itself, so at 1 Hz × 1000 gateways this is 100 views a second, not 1000.
 */
export const REFRESH_EVERY_MS = 10_000;
/** The clock offset is the smallest `at − sentAt` over a window this long (ms): see GatewayLive. */
export const OFFSET_WINDOW_MS = 60_000;
/** A clock offset that moved at least this much (ms) is news at once; transit jitter is far below it. */
const OFFSET_NEWS_MS = 1_000;

/** One per configured gateway: numbers and strings only, changed in place by each input. */
type Presence = {
  readonly enterpriseId: string;
  readonly gatewayId: string;
  heardAt: number | null;
  reportedState: 'online' | 'offline' | null;
  reportedAt: number | null;
  agent: string | null;
  buffered: number | null;
  dropped: number | null;
  lastSeq: number | null;
  /** The offset shown: the smallest sample of the window that ended last (or of this one, if smaller). */
  offsetMs: number | null;
  /** The smallest sample of the current window, and when that window began (platform ms). */
  windowMin: number | null;
  windowFrom: number;
  /** When a view last went out (platform ms), and the offset it carried. */
  emittedAt: number;
  emittedOffsetMs: number | null;
};

export class GatewayPresence {
  /** enterprise → gateway → presence: two lookups per input, no key string made per batch. */
  private readonly byEnterprise = new Map<string, Map<string, Presence>>();

  /** `emit` is told of each view worth pushing (the bus's `gateway` event). */
  constructor(
    site: SiteConfig,
    private readonly emit: (view: GatewayLive) => void,
  ) {
    this.setSite(site);
  }

  /** A site revision: gateways it removed drop out, gateways it added start unknown. */
  setSite(site: SiteConfig): void {
    const before = new Map(this.byEnterprise);
    this.byEnterprise.clear();
    for (const e of site.enterprises) {
      const old = before.get(e.id);
      const mine = new Map<string, Presence>();
      for (const g of e.gateways) mine.set(g.id, old?.get(g.id) ?? blank(e.id, g.id));
      this.byEnterprise.set(e.id, mine);
    }
  }

  /** Takes what accepted inputs say of their gateways; pushes the views that changed (see REFRESH_EVERY_MS). */
  observe(inputs: readonly EngineInput[]): void {
    for (const input of inputs) {
      const p = this.byEnterprise.get(input.enterpriseId)?.get(input.gatewayId);
      // Ingest's bindings already accept only configured gateways; one added by a revision being
      // applied right now is known here once the revision's `site` event has come.
      if (!p) continue;
      const news = input.kind === 'status' ? this.status(p, input) : this.telemetry(p, input);
      // (A platform clock stepped back makes the refresh due, rather than holding it off.)
      if (news || input.at - p.emittedAt >= REFRESH_EVERY_MS || input.at < p.emittedAt) {
        p.emittedAt = input.at;
        p.emittedOffsetMs = p.offsetMs;
        this.emit(view(p));
      }
    }
  }

  /** Every configured gateway's view, in site order. */
  views(): GatewayLive[] {
    const out: GatewayLive[] = [];
    for (const gateways of this.byEnterprise.values()) for (const p of gateways.values()) out.push(view(p));
    return out;
  }

  /** A status is always news: they are rare (connect, a backlog's progress, disconnect, the will) and each says something. */
  private status(p: Presence, input: Extract<EngineInput, { kind: 'status' }>): boolean {
    const s = input.status;
    p.reportedState = s.state;
    p.reportedAt = input.at;
    // The agent's name/version does not go stale with a status that leaves it out, and the status the
    // platform writes for a gateway it cut off (broker/embedded.ts) is not the gateway's agent.
    if (s.agent !== undefined && !s.agent.startsWith(PLATFORM_AGENT)) p.agent = s.agent;
    if (s.state === 'online') {
      p.buffered = s.buffered ?? null;
      p.dropped = s.dropped ?? null;
      // Said live, never spooled (the agent makes it as it publishes): a sample of the clock offset
      // even while a backlog drains, or while every batch is refused for a clock far ahead.
      this.sample(p, input.at, input.at - s.ts);
    } else {
      // A gateway gone: its last will was written at connect, so what its spool holds now is unknown.
      p.buffered = null;
    }
    return true;
  }

  /** News: the first batch heard, or the offset moved by OFFSET_NEWS_MS or more. */
  private telemetry(p: Presence, input: Extract<EngineInput, { kind: 'telemetry' }>): boolean {
    const first = p.heardAt === null;
    p.heardAt = input.at;
    p.lastSeq = input.batch.seq;
    // While its status says a backlog drains, batches come out of the spool with the time they were
    // made: their at − sentAt is their age, not the clock's offset.
    if (p.buffered !== null && p.buffered > 0) return first;
    this.sample(p, input.at, input.at - input.batch.sentAt);
    return first || p.emittedOffsetMs === null || (p.offsetMs !== null && Math.abs(p.offsetMs - p.emittedOffsetMs) >= OFFSET_NEWS_MS);
  }

  /**
   * One sample of at − the gateway's time. Transit and spool time only add to it, so the smallest
   * sample is the skew's best estimate. A window closes after OFFSET_WINDOW_MS and its minimum becomes
   * the offset, so a clock that is set right (or drifts) shows within two windows; a smaller sample
   * shows at once. (A platform clock stepped back closes the window too.)
   */
  private sample(p: Presence, at: number, offset: number): void {
    const sample = Math.round(offset);
    if (p.windowMin === null || at - p.windowFrom >= OFFSET_WINDOW_MS || at < p.windowFrom) {
      if (p.windowMin !== null) p.offsetMs = p.windowMin;
      p.windowMin = sample;
      p.windowFrom = at;
    } else if (sample < p.windowMin) {
      p.windowMin = sample;
    }
    if (p.offsetMs === null || p.windowMin < p.offsetMs) p.offsetMs = p.windowMin;
  }
}

/** How the platform names itself in a status it writes for a gateway (broker/embedded.ts). */
const PLATFORM_AGENT = 'hazwatch-platform';

function blank(enterpriseId: string, gatewayId: string): Presence {
  return {
    enterpriseId, gatewayId, heardAt: null, reportedState: null, reportedAt: null, agent: null, buffered: null, dropped: null,
    lastSeq: null, offsetMs: null, windowMin: null, windowFrom: 0, emittedAt: -Infinity, emittedOffsetMs: null,
  };
}

function view(p: Presence): GatewayLive {
  return {
    enterpriseId: p.enterpriseId,
    gatewayId: p.gatewayId,
    lastHeardAt: p.heardAt === null ? null : iso(p.heardAt),
    reportedState: p.reportedState,
    reportedAt: p.reportedAt === null ? null : iso(p.reportedAt),
    agent: p.agent,
    buffered: p.buffered,
    dropped: p.dropped,
    lastSeq: p.lastSeq,
    clockOffsetMs: p.offsetMs,
  };
}
