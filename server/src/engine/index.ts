// Public surface of the rule engine (SPEC 4). Pure: no I/O, no wall clock; time comes in with inputs.
export type { EngineInput, AlarmTransition, EngineOutput } from './types.ts';
export { RuleEngine, type Adoption, type CaptureResult, type EngineCapture, type EngineParts, type RuleEngineOptions } from './engine.ts';
export type { EngineDelta, EngineSnapshot } from './snapshot.ts';
export { applyDelta } from './snapshot.ts';
export type { PersistedTracker } from './tracker.ts';
