// Scenarios written by the site simulator from a script (simulators/src/scripted-run.ts): a simulated
// shift doubles as a scenario. Their expected alarms come from the script, not from the engine.
import { scriptedShift } from '@hazwatch/simulators';
import type { BuiltScenario } from '../dsl.ts';

export function simulatedScenarios(): BuiltScenario[] {
  const doc = scriptedShift();
  return [{ file: `${doc.name}.json`, doc: doc as unknown as BuiltScenario['doc'], rejected: [] }];
}
