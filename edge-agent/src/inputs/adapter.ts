// What an input adapter is: something that, between start and stop, reports readings of the
// workshops and lines its gateway watches (door counters, scales, PLC totalisers, or a simulator).

/**
 * Receives readings as the adapter measured them. They are validated by the agent (the adapter is where
 * field data enters), so an adapter may pass whatever it parsed; bad readings are counted and dropped.
 */
export type ReadingSink = (readings: readonly unknown[]) => void;

/** What the health endpoint shows of an input; `ok: false` when it cannot measure right now. */
export type InputHealth = { kind: string; name: string; ok: boolean } & Record<string, unknown>;

export interface InputAdapter {
  /** For logs, e.g. `simulator`. */
  readonly name: string;
  /** Begins reporting; the current state should be reported first, changes after. */
  start(sink: ReadingSink): Promise<void>;
  stop(): Promise<void>;
  health?(): InputHealth;
}
