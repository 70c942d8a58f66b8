import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { problemsOf, type Problem } from '../src/index.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function readYaml(path: string): unknown {
  return parseYaml(readFileSync(path, 'utf8'), { uniqueKeys: true });
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export const specSite = () => readYaml(fixture('spec-site.yaml')) as Record<string, unknown>;
export const specTelemetry = () => readJson(fixture('spec-telemetry.json')) as Record<string, unknown>;
export const specStatus = () => readJson(fixture('spec-status.json')) as Record<string, unknown>;
export const demoSite = () => readYaml(`${repoRoot}examples/demo-site.yaml`) as Record<string, unknown>;

export type ScenarioInput = { at: string; enterpriseId: string; gatewayId: string; telemetry?: unknown; status?: unknown };
export type Scenario = { file: string; site: unknown; inputs: ScenarioInput[] };

/**
 * The shared scenario suites beside the repository (when present) and the project's own. The project's
 * scenarios also feed deliberately bad batches (to show they are refused), so only their sites are
 * offered here; which of their inputs must be admitted is checked in server/test/scenario-files.test.ts.
 */
export function scenarios(): Scenario[] {
  const shared = `${repoRoot}../shared/scenarios`;
  const dirs = [shared, `${repoRoot}scenarios`].filter((d) => existsSync(d));
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const doc = readJson(`${dir}/${f}`) as { site: unknown; inputs: ScenarioInput[] };
        return { file: f, site: doc.site, inputs: dir === shared ? doc.inputs : [] };
      }),
  );
}

/** The problems of a document the schema rejects; [] when it accepts it. */
export function problems(schema: z.ZodType, doc: unknown): Problem[] {
  const r = schema.safeParse(doc);
  return r.success ? [] : problemsOf(r.error);
}

/** The one problem at `path` (fails the test, listing all problems, when there is none). */
export function problemAt(all: Problem[], path: string): Problem {
  const found = all.find((p) => p.path === path);
  if (!found) throw new Error(`no problem at ${path}; problems:\n${all.map((p) => `  ${p.path}: ${p.message}`).join('\n') || '  (none)'}`);
  return found;
}
