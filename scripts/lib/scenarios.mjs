// The scenario folders every run checks (SPEC 6): the shared suite beside the repository, when it is
// there, and the project's own.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function scenarioDirs(root) {
  return ['../shared/scenarios', 'scenarios'].filter((d) => existsSync(join(root, d)));
}

/** `N passed, N failed` from the runner's last line; null when it did not finish with one. */
export function parseCounts(text) {
  const last = text.trim().split('\n').at(-1) ?? '';
  const m = /^(\d+) passed, (\d+) failed$/.exec(last.trim());
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
}
