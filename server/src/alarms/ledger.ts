import type { AlarmEvent } from '@hazwatch/protocols';
import type { EventBus } from '../bus.ts';
import type { AlarmStore, LedgerEvent, LedgerTx } from '../storage/alarm-store.ts';

/** A ledger event as announced on the bus, socket.io and (its record) MQTT. */
export function toAlarmEvent(e: LedgerEvent): AlarmEvent {
  return { kind: e.kind, at: e.at, alarm: e.alarm, seq: e.seq, by: e.by, detail: e.detail };
}

/**
 * Writes to the ledger from the platform's own services (handling, escalation, notifier) and announces
 * what they appended once it is committed, so nothing is shown that is not stored. (The rule engine's
 * transitions are announced by the RulesService, which appends them itself.)
 */
export class Ledger {
  constructor(
    readonly store: AlarmStore,
    private readonly bus: EventBus,
  ) {}

  async write<T>(fn: (tx: LedgerTx) => T): Promise<{ result: T; events: LedgerEvent[] }> {
    const events: LedgerEvent[] = [];
    const result = await this.store.write((tx) =>
      fn({
        get: (id) => tx.get(id),
        activeChannelFailure: (e, c) => tx.activeChannelFailure(e, c),
        outbox: tx.outbox,
        append: (d) => {
          const e = tx.append(d);
          events.push(e);
          return e;
        },
      }),
    );
    for (const e of events) this.bus.emit('alarm', toAlarmEvent(e));
    return { result, events };
  }
}
