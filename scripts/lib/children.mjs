// Child processes of the launcher: started in their own process group, so a Ctrl-C at the terminal
// reaches only the launcher, which then stops them in order (agents first, so they say goodbye to a
// broker that is still there) and waits for each.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Runs a command to completion with inherited output; resolves with its exit code. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...opts });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/**
 * Starts a long-running child. Each line of its output goes through `format` (e.g. pretty-printing JSON
 * logs) to our stdout/stderr.
 */
export function startChild(name, cmd, args, { env, cwd, format = (l) => l } = {}) {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pipe = (stream, out) => createInterface({ input: stream }).on('line', (line) => {
    const text = format(line);
    if (text) out.write(text.endsWith('\n') ? text : `${text}\n`);
  });
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      process.stderr.write(`${name}: cannot start: ${err.message}\n`);
      resolve({ code: 127, signal: null });
    });
  });
  return { name, child, exited, running: () => child.exitCode === null && child.signalCode === null };
}

/** SIGTERM, then SIGKILL after `graceMs` if it has not exited. Resolves when it is gone. */
export async function stopChild(c, graceMs = 10_000) {
  if (!c.running()) return c.exited;
  c.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (c.running()) {
      process.stderr.write(`${c.name} did not stop within ${graceMs / 1000} s; killing it\n`);
      c.child.kill('SIGKILL');
    }
  }, graceMs);
  const result = await c.exited;
  clearTimeout(timer);
  return result;
}
