import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Report } from '../reports/types.ts';
import { verifyReport } from '../reports/verify.ts';

const USAGE = `usage: hazwatch report verify --report FILE --ledger FILE

Checks a period report (its JSON, or its HTML page, which embeds the JSON) against an exported alarm
ledger (hazwatch ledger export): the report is unchanged, the ledger intact and holding the report's
head event, and the report's alarm numbers are what the ledger up to that event gives.
Exit status: 0 when all of it holds, 1 when something does not, 2 when the files cannot be read.`;

type Out = { out: (s: string) => void; err: (s: string) => void };

/** `hazwatch report verify` (issue 9: verifiable exports). */
export async function runReport(args: string[], io: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '-h' || sub === '--help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (sub !== 'verify') {
    io.err(`${USAGE}\n`);
    return 2;
  }
  let values: { report?: string; ledger?: string };
  try {
    ({ values } = parseArgs({ args: rest, options: { report: { type: 'string' }, ledger: { type: 'string' } } }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.report || !values.ledger) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  let report: Report;
  let ledger: string;
  try {
    report = parseReport(await readFile(values.report, 'utf8'));
    ledger = await readFile(values.ledger, 'utf8');
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return 2;
  }
  const r = verifyReport(report, ledger);
  for (const c of r.checked) io.out(`ok: ${c}\n`);
  for (const p of r.problems) io.out(`FAILED: ${p}\n`);
  return r.ok ? 0 : 1;
}

function parseReport(text: string): Report {
  const embedded = /<script type="application\/json" id="hazwatch-report">([\s\S]*?)<\/script>/.exec(text);
  let doc: unknown;
  try {
    doc = JSON.parse(embedded ? embedded[1]! : text);
  } catch (err) {
    throw new Error(`the report is neither a hazwatch report's JSON nor its HTML page: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || (doc as { format?: unknown }).format !== 'hazwatch-report/1') {
    throw new Error('the report is not a hazwatch report (format hazwatch-report/1)');
  }
  return doc as Report;
}
