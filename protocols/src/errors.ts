import type { z } from 'zod';

export type Problem = { path: string; message: string };

/** `enterprises[0].workshops[2].staffingLimit` — the way an engineer reads a path in a YAML file. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(document)';
}

/** Every problem of a rejected document, with its path, one per line. */
export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `- ${p.path}: ${p.message}`).join('\n');
}
