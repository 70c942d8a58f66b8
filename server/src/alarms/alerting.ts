import type { SiteConfig } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.ts';
import type { AlarmStore } from '../storage/alarm-store.ts';
import { Escalation } from './escalation.ts';
import { AlarmHandling } from './handling.ts';
import { Ledger } from './ledger.ts';
import { Notifier } from './notifier.ts';
import { planEvent } from './routing.ts';

export type AlertingDeps = {
  store: AlarmStore;
  bus: EventBus;
  log: Logger;
  /** The running site configuration and its revision (they change at run time). */
  site: () => SiteConfig;
  revision: () => number;
  now: () => number;
  /** Looks up a channel secret by the variable name the site gives. */
  secrets: (name: string) => string | undefined;
  newAlarmId: () => string;
  random?: () => number;
  /** Longest sleep of the notifier and the escalation timer with nothing due (ms). */
  maxIdleMs?: number;
};

export type Alerting = {
  ledger: Ledger;
  handling: AlarmHandling;
  notifier: Notifier;
  escalation: Escalation;
  start(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * The alarm lifecycle around the rule engine: every ledger event plans its notifications in its own
 * transaction (the outbox), the notifier delivers them, escalation watches acknowledgement, and
 * handling records what people do. Install before the rules start, so no transition goes unplanned.
 */
export function createAlerting(deps: AlertingDeps): Alerting {
  const log = deps.log.child({ component: 'alerting' });
  const ledger = new Ledger(deps.store, deps.bus);
  const notifier = new Notifier({
    ledger, site: deps.site, revision: deps.revision, log, now: deps.now, random: deps.random ?? Math.random, secrets: deps.secrets,
    newAlarmId: deps.newAlarmId, ...(deps.maxIdleMs !== undefined ? { maxIdleMs: deps.maxIdleMs } : {}),
  });
  const escalation = new Escalation({
    ledger, site: deps.site, log, now: deps.now, wakeNotifier: () => notifier.wake(), ...(deps.maxIdleMs !== undefined ? { maxIdleMs: deps.maxIdleMs } : {}),
  });
  const handling = new AlarmHandling({ ledger, site: deps.site, now: deps.now, onChange: () => escalation.wake() });
  deps.store.setHooks({
    onAppend: (tx, event) => {
      try {
        for (const d of planEvent(deps.site(), event, deps.now())) tx.outbox.addNotification(d);
      } catch (err) {
        // The event is kept (the store rolls back only this hook's writes); its notifications are lost: say so loudly.
        log.error({ err, seq: event.seq, alarm: event.alarmId }, 'planning notifications failed');
        throw err;
      }
    },
    onCommit: () => {
      notifier.wake();
      escalation.wake();
    },
  });
  return {
    ledger,
    handling,
    notifier,
    escalation,
    async start() {
      await notifier.start();
      escalation.start();
    },
    async stop() {
      // The planning hook stays: transitions written while the rest stops are delivered after a restart.
      await escalation.stop();
      await notifier.stop();
    },
  };
}
