import type { AlarmEventKind, AlarmLevel, AlarmRecord, AlarmType } from '@hazwatch/protocols';
import type { EngineDelta, EngineSnapshot } from '../engine/index.ts';
import type { ChainedEvent } from '../alarms/chain.ts';
import type { Outbox } from '../alarms/outbox.ts';

/**
 * The rule engine's state as saved, with the configuration revision it was running. `slices`: the
 * entries written ahead (EngineStateSlices), laid over `snapshot` in order; without them `snapshot`
 * is the whole.
 */
export type SavedEngineState = { revision: number; savedAt: string; snapshot: EngineSnapshot; slices?: EngineStateSlices };

/**
 * Slices of an engine state (each an EngineParts as JSON) written ahead of the save that makes them its
 * own (`slices` of a SavedEngineState or EngineStateDelta): a province's state goes to disk a slice at
 * a time instead of being held whole in memory (the periodic save), and becomes part of the saved state
 * only with that save's transaction (a crash before it leaves the last saved state standing).
 */
export interface EngineStateSlices {
  /** Writes one slice. Not part of any saved state until saved with one. */
  add(json: string): void;
  /** Forgets the slices (the save they were for will not come). Safe twice; nothing once saved. */
  discard(): void;
}

/**
 * What changed in the engine's state since the last save, laid over the last full snapshot when
 * loading, in the order written: the trackers an alarm transition changed (`null`: the tracker is
 * gone), written with the transition, and every few seconds all that changed (facts, trackers,
 * clock), mostly as `slices`. `complete`: a capture of everything unsaved (RuleEngine.capture /
 * beginCapture), so the state laid up to it is the engine's as it stood, under `revision`; a delta of
 * some trackers only (an alarm transition's) is not, and leaves the saved revision as it was.
 */
export type EngineStateDelta = { revision: number; savedAt: string; slices?: EngineStateSlices; complete?: boolean } & EngineDelta;

/**
 * Which alarms a list names. `active`: not yet cleared; `cleared`: cleared, not closed; `unclosed`:
 * not closed; `closed`; `unacknowledged`: neither acknowledged nor closed; `shelved`: shelved now; `all`.
 */
export const ALARM_STATES = ['active', 'cleared', 'unclosed', 'closed', 'unacknowledged', 'shelved', 'all'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export type AlarmListQuery = {
  state: AlarmState;
  /** Any of these enterprises; absent: every enterprise. */
  enterpriseIds?: readonly string[];
  /** @deprecated single-enterprise form, kept for earlier callers. */
  enterpriseId?: string;
  workshopId?: string;
  lineId?: string;
  types?: readonly AlarmType[];
  levels?: readonly AlarmLevel[];
  /** `raisedAt` within [from, to), RFC 3339 UTC. */
  from?: string;
  to?: string;
  /** Newest raised first; default 100. */
  limit?: number;
  /** Continue after this position (from a previous page). */
  after?: { raisedAt: string; id: string };
  /** For `shelved`: the present (RFC 3339 UTC). */
  now?: string;
};

/** One event of the ledger as stored: the chained content and its hash. */
export type LedgerEvent = ChainedEvent & { hash: string };
/** @deprecated the earlier name. */
export type StoredAlarmEvent = LedgerEvent;

/** What a writer appends; the ledger adds seq, recordedAt, prev and hash. */
export type EventDraft = {
  kind: AlarmEventKind;
  at: string;
  alarm: AlarmRecord;
  by?: string | null;
  detail?: Record<string, unknown> | null;
};

/** Inside one transaction: read the current record, append events, write the outbox. */
export interface LedgerTx {
  get(id: string): AlarmRecord | undefined;
  append(draft: EventDraft): LedgerEvent;
  /** The active `notification-failed` alarm of a channel at an enterprise, if any. */
  activeChannelFailure(enterpriseId: string, channel: string): AlarmRecord | undefined;
  readonly outbox: Outbox;
}

/** Runs inside the transaction of every appended event (the notification outbox is planned here). */
export type AppendHook = (tx: LedgerTx, event: LedgerEvent) => void;
/** Runs after a transaction that appended events has committed. */
export type CommitHook = (events: readonly LedgerEvent[]) => void;

/**
 * The alarm ledger (SPEC 5): alarm records and their append-only, hash-chained events. Nothing is
 * updated in place or deleted; the current state of each record is an index derived from its events,
 * for queries. Keep the data access behind this interface: a PostgreSQL ledger is a new
 * implementation, not a rewrite.
 */
export interface AlarmStore {
  /**
   * Appends the rule engine's transitions in order, in one transaction with the engine state that
   * produced them (so a restart never finds the two apart). Handling already recorded on a record
   * (acknowledgement, comments, assignment, shelving, escalation tier) is kept: the engine does not
   * know of it. Resolves with the events as stored.
   */
  append(events: readonly EventDraft[], state?: SavedEngineState | EngineStateDelta): Promise<LedgerEvent[]>;
  /** Runs `fn` in one transaction; whatever it appends and writes to the outbox commits together. */
  write<T>(fn: (tx: LedgerTx) => T): Promise<T>;
  /** Installs the hooks of the alerting part (planning notifications, waking the notifier). */
  setHooks(hooks: { onAppend?: AppendHook; onCommit?: CommitHook }): void;
  /** The notification outbox, in the same database (reads and the notifier's own writes). */
  readonly outbox: Outbox;
  saveEngineState(state: SavedEngineState | EngineStateDelta): Promise<void>;
  /** Begins the slices of a state to save (EngineStateSlices). */
  stageEngineState(): EngineStateSlices;
  loadEngineState(): Promise<SavedEngineState | undefined>;
  list(q: AlarmListQuery): Promise<AlarmRecord[]>;
  get(id: string): Promise<AlarmRecord | undefined>;
  events(alarmId: string): Promise<LedgerEvent[]>;
  /** The records a statistic needs: raised within [from, to), or (gateway-offline) still running at `from`. */
  statsRecords(q: { from?: string; to?: string; enterpriseIds?: readonly string[] }): Promise<AlarmRecord[]>;
  /** The last event's position and hash. */
  ledgerHead(): Promise<{ seq: number; hash: string } | undefined>;
  /** Every ledger event in seq order, from one consistent snapshot (for export). */
  iterateLedger(): Iterable<LedgerEvent>;
  /** Open alarms whose escalation, reminders or shelving expiry may still be due. */
  awaitingAcknowledgement(): Promise<AlarmRecord[]>;
  close(): Promise<void>;
}
