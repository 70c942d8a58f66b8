import { iso, type AlarmEventKind, type AlarmRecord, type SiteConfig } from '@hazwatch/protocols';
import type { LedgerTx } from '../storage/alarm-store.ts';
import { mayAct, type Actor } from './actor.ts';
import type { Ledger } from './ledger.ts';
import { alertingOf, isShelved } from './routing.ts';

export type HandlingDeps = {
  ledger: Ledger;
  site: () => SiteConfig;
  now: () => number;
  /** Acknowledging or shelving changes what escalation has to do. */
  onChange?: () => void;
};

export type HandlingError = { code: 'not-found' | 'forbidden' | 'conflict' | 'invalid'; message: string };
export type HandlingResult = { ok: true; alarm: AlarmRecord; seq: number } | ({ ok: false } & HandlingError);

class Refusal extends Error {
  constructor(readonly refusal: HandlingError) {
    super(refusal.message);
  }
}
const refuse = (code: HandlingError['code'], message: string): never => {
  throw new Refusal({ code, message });
};

/**
 * Alarm handling: acknowledge, comment, assign, shelve (with a reason and an expiry, where the site
 * allows it for the type), and close (闭环: only once cleared, with a rectification note). Each action
 * is one ledger event recording who and when, checked and appended in one transaction, so two
 * operators acting at once cannot both acknowledge or both close. An actor scoped to other
 * enterprises is refused — the one tenant check, which authentication will feed.
 */
export class AlarmHandling {
  constructor(private readonly deps: HandlingDeps) {}

  acknowledge(actor: Actor, id: string, comment?: string): Promise<HandlingResult> {
    return this.act(actor, id, 'acknowledged', (a, at) => {
      if (a.acknowledgedAt != null) refuse('conflict', `already acknowledged by ${a.acknowledgedBy ?? 'someone'} at ${a.acknowledgedAt}`);
      if (a.closedAt != null) refuse('conflict', 'the alarm is closed');
      const text = comment?.trim();
      return {
        alarm: { ...a, acknowledgedAt: at, acknowledgedBy: actor.id, ...(text ? { comments: [...(a.comments ?? []), { at, by: actor.id, text }] } : {}) },
        detail: text ? { comment: text } : null,
      };
    });
  }

  comment(actor: Actor, id: string, text: string): Promise<HandlingResult> {
    return this.act(actor, id, 'commented', (a, at) => {
      const t = text.trim();
      if (!t) refuse('invalid', 'a comment needs text');
      return { alarm: { ...a, comments: [...(a.comments ?? []), { at, by: actor.id, text: t }] }, detail: { text: t } };
    });
  }

  assign(actor: Actor, id: string, assignee: string, note?: string): Promise<HandlingResult> {
    return this.act(actor, id, 'assigned', (a, at) => {
      const who = assignee.trim();
      if (!who) refuse('invalid', 'assign needs an assignee');
      if (a.closedAt != null) refuse('conflict', 'the alarm is closed');
      const n = note?.trim();
      return { alarm: { ...a, assignedTo: who, assignedBy: actor.id, assignedAt: at }, detail: { assignee: who, previous: a.assignedTo ?? null, ...(n ? { note: n } : {}) } };
    });
  }

  close(actor: Actor, id: string, rectification: string): Promise<HandlingResult> {
    return this.act(actor, id, 'closed', (a, at) => {
      const r = rectification.trim();
      if (!r) refuse('invalid', 'closing an alarm needs a rectification note (整改说明)');
      if (a.closedAt != null) refuse('conflict', `already closed by ${a.closedBy ?? 'someone'} at ${a.closedAt}`);
      if (a.clearedAt === null) refuse('conflict', 'the alarm has not cleared yet: it can be closed (闭环) only after its condition has ended');
      return {
        alarm: { ...a, closedAt: at, closedBy: actor.id, rectification: r, shelvedAt: null, shelvedBy: null, shelvedUntil: null, shelveReason: null },
        detail: { rectification: r },
      };
    });
  }

  /** Shelves until `until` (epoch ms). */
  shelve(actor: Actor, id: string, reason: string, until: number): Promise<HandlingResult> {
    return this.act(actor, id, 'shelved', (a, at, now) => {
      const r = reason.trim();
      if (!r) refuse('invalid', 'shelving needs a reason');
      if (a.closedAt != null) refuse('conflict', 'the alarm is closed');
      if (a.clearedAt !== null) refuse('conflict', 'the alarm has cleared: there is nothing left to shelve');
      const cfg = alertingOf(this.deps.site().enterprises.find((e) => e.id === a.enterpriseId));
      if (cfg.shelving.forbid.includes(a.type)) refuse('forbidden', `this site forbids shelving ${a.type} alarms`);
      if (until <= now) refuse('invalid', 'the shelving expiry must lie in the future');
      const maxMs = cfg.shelving.maxMinutes * 60_000;
      if (until - now > maxMs) refuse('invalid', `alarms may be shelved for at most ${cfg.shelving.maxMinutes} minutes here`);
      const u = iso(until);
      return {
        alarm: { ...a, shelvedAt: at, shelvedBy: actor.id, shelvedUntil: u, shelveReason: r },
        detail: { action: 'shelved', reason: r, until: u, previousUntil: a.shelvedUntil ?? null },
      };
    });
  }

  unshelve(actor: Actor, id: string, reason?: string): Promise<HandlingResult> {
    return this.act(actor, id, 'shelved', (a, _at, now) => {
      if (!isShelved(a, now)) refuse('conflict', 'the alarm is not shelved');
      const r = reason?.trim();
      return {
        alarm: { ...a, shelvedAt: null, shelvedBy: null, shelvedUntil: null, shelveReason: null },
        detail: { action: 'unshelved', until: a.shelvedUntil ?? null, ...(r ? { reason: r } : {}) },
      };
    });
  }

  private async act(
    actor: Actor,
    id: string,
    kind: AlarmEventKind,
    change: (a: AlarmRecord, at: string, now: number) => { alarm: AlarmRecord; detail: Record<string, unknown> | null },
  ): Promise<HandlingResult> {
    try {
      const { result } = await this.deps.ledger.write((tx: LedgerTx) => {
        const a = tx.get(id);
        if (!a) return refuse('not-found', `no alarm ${id}`);
        // Not found rather than forbidden would hide that it exists; the actor names it, so say why.
        if (!mayAct(actor, a.enterpriseId)) return refuse('forbidden', `alarm ${id} belongs to an enterprise outside your scope`);
        const now = this.deps.now();
        const at = iso(now);
        const { alarm, detail } = change(a, at, now);
        const e = tx.append({ kind, at, alarm, by: actor.id, detail });
        return { alarm: e.alarm, seq: e.seq };
      });
      this.deps.onChange?.();
      return { ok: true, ...result };
    } catch (err) {
      if (err instanceof Refusal) return { ok: false, ...err.refusal };
      throw err;
    }
  }
}
