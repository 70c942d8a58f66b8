import type { BuiltScenario } from './dsl.ts';
import { deliveryScenarios } from './cases/delivery.ts';
import { faultScenarios } from './cases/faults.ts';
import { hoursScenarios } from './cases/hours.ts';
import { productionScenarios } from './cases/production.ts';
import { quantityScenarios } from './cases/quantity.ts';
import { staffingScenarios } from './cases/staffing.ts';
import { tenantScenarios } from './cases/tenants.ts';
import { zoneScenarios } from './cases/zones.ts';
import { simulatedScenarios } from './cases/simulated.ts';

/** Every scenario the generator writes into scenarios/, in a stable order, with unique file names. */
export function allScenarios(): BuiltScenario[] {
  const all = [
    ...staffingScenarios(),
    ...quantityScenarios(),
    ...faultScenarios(),
    ...hoursScenarios(),
    ...productionScenarios(),
    ...zoneScenarios(),
    ...deliveryScenarios(),
    ...tenantScenarios(),
    ...simulatedScenarios(),
  ];
  const seen = new Set<string>();
  for (const s of all) {
    if (seen.has(s.file)) throw new Error(`two scenarios named ${s.file}`);
    seen.add(s.file);
  }
  return all;
}

/** The exact text of a scenario file. */
export function render(s: BuiltScenario): string {
  return `${JSON.stringify(s.doc, null, 2)}\n`;
}
