import type { AlarmRecord, AlarmType } from '@hazwatch/protocols';
import type { AlarmStore } from '../storage/alarm-store.ts';

/** The alarm types the rule engine raises and clears; the others (notification-failed, spool-near-full) have owners of their own. */
const ENGINE_TYPES: ReadonlySet<AlarmType> = new Set<AlarmType>(['over-staffing', 'over-quantity', 'over-time', 'over-production', 'sensor-fault', 'gateway-offline']);

/**
 * Alarms the ledger holds active that the rule engine, as restored, does not: left alone, nothing
 * would ever clear them, and they could not be closed either (闭环 needs a cleared alarm). They come
 * from engine state lost before it was saved (a crash right after a first start, before a base state
 * was written at start), or from a saved state the platform could not restore (an unknown revision).
 * Found at start and adopted by the engine (RulesService.adopt, RuleEngine.adopt): held by the
 * tracker of their rule, they clear when their condition ends, or at once where their rule is gone.
 */
export async function orphanedAlarms(store: AlarmStore, held: readonly AlarmRecord[]): Promise<AlarmRecord[]> {
  const known = new Set(held.map((a) => a.id));
  return (await store.list({ state: 'active', limit: 100_000 })).filter((a) => ENGINE_TYPES.has(a.type) && !known.has(a.id));
}
