import type { z } from 'zod';

export type Problem = { path: string; message: string };

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `enterprises[0].workshops[2].staffingLimit` — the way an engineer reads a path in a YAML file. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && !PLAIN_KEY.test(p)) out += `[${JSON.stringify(p)}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(document)';
}

/**
 * Every problem of a rejected document, with its path. zod's generic wording ("Invalid input: expected
 * number, received string") is rephrased for people who edit YAML rather than TypeScript.
 */
export function problemsOf(error: { issues: readonly z.core.$ZodIssue[] }): Problem[] {
  return error.issues.flatMap((i) => problemsOfIssue(i, []));
}

function problemsOfIssue(issue: z.core.$ZodIssue, base: readonly PropertyKey[]): Problem[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message === 'Invalid input') {
    // A union without its own message: the alternative that came closest says most about what is wrong.
    const closest = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    if (closest.length > 0) return closest.flatMap((i) => problemsOfIssue(i, path));
  }
  return [{ path: formatPath(path), message: readableMessage(issue) }];
}

const ZOD_INVALID_TYPE = /^Invalid input: expected (\w+), received (\w+)$/;

function readableMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const m = ZOD_INVALID_TYPE.exec(issue.message);
    if (m) {
      const [, expected = '', received = ''] = m;
      return received === 'undefined' ? `is required (${kindOf(expected)})` : `must be ${kindOf(expected)}, not ${kindOf(received)}`;
    }
  }
  return issue.message;
}

function kindOf(t: string): string {
  switch (t) {
    case 'object':
      return 'an object (a mapping of keys)';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'NaN':
      return 'NaN';
    default:
      return t;
  }
}

export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `- ${p.path}: ${p.message}`).join('\n');
}
