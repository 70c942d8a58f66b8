// The security log (issue 6: logins, failures, refusals, role changes, credential issue and rotation,
// configuration revisions, exports). Refusals come from outside and can come in floods (a brute force,
// a misconfigured gateway retrying), so each (action, actor) writes at most `perMinute` rows a minute;
// the rest are counted and the count goes with the next row written.
import type { AuthStore, SecurityEntry } from './store.ts';

export type SecurityEvent = Omit<SecurityEntry, 'id' | 'at' | 'actor' | 'enterpriseId' | 'ip' | 'target' | 'detail'> & {
  actor?: string | null;
  enterpriseId?: string | null;
  ip?: string | null;
  target?: string | null;
  detail?: Record<string, unknown> | null;
};

export class SecurityLog {
  private readonly windows = new Map<string, { start: number; n: number; suppressed: number }>();
  /** Rows not written because of the flood bound, since start. */
  suppressed = 0;

  constructor(
    private readonly store: AuthStore,
    private readonly now: () => number,
    private readonly perMinute = 60,
  ) {}

  record(e: SecurityEvent): void {
    const at = this.now();
    const key = `${e.action}\u0000${e.actor ?? ''}\u0000${e.ip ?? ''}`;
    let w = this.windows.get(key);
    if (!w || at - w.start >= 60_000) {
      const carried = w?.suppressed ?? 0;
      w = { start: at, n: 0, suppressed: 0 };
      this.windows.set(key, w);
      if (carried > 0) e = { ...e, detail: { ...(e.detail ?? {}), suppressedBefore: carried } };
      if (this.windows.size > 10_000) this.windows.clear();
    }
    if (++w.n > this.perMinute) {
      w.suppressed++;
      this.suppressed++;
      return;
    }
    this.store.log({
      at,
      action: e.action,
      outcome: e.outcome,
      actor: e.actor ?? null,
      enterpriseId: e.enterpriseId ?? null,
      ip: e.ip ?? null,
      target: e.target ?? null,
      detail: e.detail ?? null,
    });
  }
}
