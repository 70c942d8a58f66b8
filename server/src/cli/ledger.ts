import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyLedger } from '../alarms/chain.ts';
import { LedgerExportError, exportLedger } from '../alarms/ledger-export.ts';
import { ConfigError, loadConfig } from '../config.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

const USAGE = `usage: hazwatch ledger export [--data-dir DIR] [--output FILE]
       hazwatch ledger verify FILE [--head HASH]

export  writes the alarm ledger (alarms.sqlite in the data directory, default HAZWATCH_DATA_DIR or
        ./data) as JSON lines, one hash-chained event per line, to FILE or standard output; the head
        hash it prints lets a later verify notice lines cut off the end.
verify  checks an exported ledger offline: exit 0 when intact, 1 naming the first broken event.
`;

/** `hazwatch ledger export|verify`. Resolves with the exit code. */
export async function runLedger(args: string[], io: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    (sub === undefined ? io.err : io.out)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'export') return runExport(rest, io);
  if (sub === 'verify') return runVerify(rest, io);
  io.err(`hazwatch ledger: unknown subcommand "${sub}"\n${USAGE}`);
  return 2;
}

function runExport(args: string[], io: Out): number {
  let values: { 'data-dir'?: string; output?: string };
  try {
    ({ values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, output: { type: 'string', short: 'o' } }, allowPositionals: false }));
  } catch (err) {
    io.err(`hazwatch ledger export: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  let dataDir: string;
  try {
    dataDir = values['data-dir'] !== undefined ? resolve(values['data-dir']) : loadConfig().dataDir;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`hazwatch ledger export: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const output = values.output;
  // Written beside the target and renamed into place: a failed export never leaves half a ledger under the name.
  const tmp = output !== undefined ? `${resolve(output)}.partial` : undefined;
  const fd = tmp !== undefined ? openSync(tmp, 'w') : undefined;
  try {
    const r = exportLedger(dataDir, (chunk) => (fd !== undefined ? writeSync(fd, chunk) : io.out(chunk)));
    if (fd !== undefined) {
      closeSync(fd);
      renameSync(tmp!, resolve(output!));
    }
    io.err(`exported ${r.events} ledger events${output !== undefined ? ` to ${output}` : ''}; head ${r.head ?? '(empty ledger)'}\n`);
    return 0;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    if (err instanceof LedgerExportError) {
      io.err(`hazwatch ledger export: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function runVerify(args: string[], io: Out): number {
  let values: { head?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: { head: { type: 'string' } }, allowPositionals: true }));
  } catch (err) {
    io.err(`hazwatch ledger verify: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (positionals.length !== 1) {
    io.err(`hazwatch ledger verify: give exactly one FILE\n${USAGE}`);
    return 2;
  }
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    io.err(`hazwatch ledger verify: ${file} cannot be read: ${(err as Error).message}\n`);
    return 1;
  }
  const r = verifyLedger(text, values.head);
  if (r.ok) {
    io.out(`ledger intact: ${r.events} events; head ${r.head}\n`);
    return 0;
  }
  io.out(`ledger BROKEN at line ${r.line}${r.seq !== null ? ` (event seq ${r.seq})` : ''}: ${r.reason}\n${r.events} events before it are intact\n`);
  return 1;
}
