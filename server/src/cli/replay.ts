import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Timestamp, formatProblems } from '@hazwatch/protocols';
import { loadSiteFile } from '../site/load.ts';
import { replay } from '../replay/replay.ts';

const USAGE = 'usage: hazwatch replay --site FILE --input FILE.jsonl [--until TIME] [--output FILE.jsonl]';

/** `hazwatch replay`: recorded inputs (one JSON object per line) through the engine; alarm events out as JSON lines. */
export async function runReplay(args: string[]): Promise<number> {
  let values: { site?: string; input?: string; until?: string; output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { site: { type: 'string' }, input: { type: 'string' }, until: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean' } },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.site || !values.input) {
    console.error(USAGE);
    return 2;
  }
  const site = await loadSiteFile(values.site);
  if (!site.ok) {
    console.error(`${values.site} is not a valid site configuration:\n${formatProblems(site.problems)}`);
    return 1;
  }
  let until: number | undefined;
  if (values.until !== undefined) {
    const u = Timestamp.safeParse(/^\d+$/.test(values.until) ? Number(values.until) : values.until);
    if (!u.success) {
      console.error(`--until ${values.until}: must be an RFC 3339 time with an offset or epoch milliseconds`);
      return 2;
    }
    until = u.data;
  }
  let text: string;
  try {
    text = await readFile(values.input, 'utf8');
  } catch (err) {
    console.error(`${values.input} cannot be read: ${(err as Error).message}`);
    return 1;
  }
  const inputs: unknown[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      inputs.push(JSON.parse(line));
    } catch (err) {
      console.error(`${values.input}:${i + 1}: not JSON: ${(err as Error).message}`);
      return 1;
    }
  }
  const result = replay(site.site, inputs, until);
  for (const r of result.rejected) console.error(`input ${r.index + 1} rejected (${r.reason}): ${r.detail}`);
  const out = result.events.map((e) => JSON.stringify(e)).join('\n') + (result.events.length ? '\n' : '');
  if (values.output) await writeFile(values.output, out);
  else process.stdout.write(out);
  return 0;
}
