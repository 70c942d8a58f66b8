import type { AlarmEventKind, AlarmRecord } from '@hazwatch/protocols';
import type { EngineSnapshot } from '../engine/index.ts';

/** The rule engine's state as saved, with the configuration revision it was running. */
export type SavedEngineState = { revision: number; savedAt: string; snapshot: EngineSnapshot };

export type AlarmListQuery = {
  /** `active`: not yet cleared. `all`: every record. */
  state: 'active' | 'all';
  enterpriseId?: string;
  /** Newest raised first; default 100. */
  limit?: number;
};

export type StoredAlarmEvent = {
  /** Position in the append-only log, from 1. */
  seq: number;
  kind: AlarmEventKind;
  /** RFC 3339 UTC, event time of the change. */
  at: string;
  alarm: AlarmRecord;
};

/**
 * Alarm records and their append-only event log (SPEC 5). The record table holds each alarm's latest
 * state for queries; the events are the history and are never updated. The hash-chained ledger
 * will be another implementation of this interface.
 */
export interface AlarmStore {
  /**
   * Appends events in order and updates each record to the state it carries, in one transaction —
   * with the engine state that produced them, when given, so a restart never finds the two apart.
   */
  append(events: readonly { kind: AlarmEventKind; at: string; alarm: AlarmRecord }[], state?: SavedEngineState): Promise<void>;
  saveEngineState(state: SavedEngineState): Promise<void>;
  loadEngineState(): Promise<SavedEngineState | undefined>;
  list(q: AlarmListQuery): Promise<AlarmRecord[]>;
  get(id: string): Promise<AlarmRecord | undefined>;
  events(alarmId: string): Promise<StoredAlarmEvent[]>;
  close(): Promise<void>;
}
