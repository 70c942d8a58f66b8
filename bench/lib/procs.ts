// Processes the benchmarks and the fault suite run: `hazwatch serve` (the real bin, or a clock-scaled
// entry for the fault suite), a raw aedes broker with a do-nothing subscriber (the anchor), their
// resident memory, and the machine they ran on. Every start returns a stop; callers register them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../server/test/wait-for.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The `hazwatch` command as users run it: the launcher with its start-time settings (server/bin/hazwatch). */
const HAZWATCH = fileURLToPath(new URL('../../server/bin/hazwatch', import.meta.url));
const AEDES_CHILD = fileURLToPath(new URL('./aedes-child.ts', import.meta.url));

export type Child = {
  proc: ChildProcess;
  pid: number;
  output: { stdout: string; stderr: string };
  /** Resolves once the process is gone. */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
};

export function startChild(cmd: string, args: string[], env: Record<string, string>): Child {
  const proc = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  // Bounded: a chatty child must not grow the bench's own memory.
  proc.stdout!.on('data', (d: Buffer) => (output.stdout = (output.stdout + d.toString('utf8')).slice(-100_000)));
  proc.stderr!.on('data', (d: Buffer) => (output.stderr = (output.stderr + d.toString('utf8')).slice(-100_000)));
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    proc, pid: proc.pid!, output, exited,
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** Polling with a deadline: the one copy, shared with the server's tests. */
export { waitFor };

export type Serve = Child & { httpUrl: string; startedAt: number };

/** `hazwatch serve` (the real command) with the given environment; resolves once it printed its API URL. */
export async function startServe(env: Record<string, string>, opts: { entry?: string; timeoutMs?: number; demo?: boolean } = {}): Promise<Serve> {
  try {
    return await startServeOnce(env, opts);
  } catch (err) {
    // A tree from before issue 6 has no --demo: run it open, as it is.
    if (opts.demo && /unknown option "--demo"/.test((err as Error).message)) return startServeOnce(env, { ...opts, demo: false });
    throw err;
  }
}

async function startServeOnce(env: Record<string, string>, opts: { entry?: string; timeoutMs?: number; demo?: boolean }): Promise<Serve> {
  const startedAt = performance.now();
  // HAZWATCH_BENCH_NODE_ARGS: node options for the server under measurement, to profile it as it runs
  // in the benchmark (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`; NODE_OPTIONS refuses some of them).
  // Split at spaces: an option cannot contain one.
  // The launcher passes them on to node as HAZWATCH_NODE_ARGS.
  const nodeArgs = process.env.HAZWATCH_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const base = { HAZWATCH_HTTP_HOST: '127.0.0.1', HAZWATCH_HTTP_PORT: '0', HAZWATCH_LOG_LEVEL: 'warn', ...env };
  const child = opts.entry
    ? startChild(process.execPath, [...nodeArgs, '--import', 'tsx', opts.entry], base)
    : startChild(HAZWATCH, ['serve', ...(opts.demo ? ['--demo'] : [])], { ...base, ...(nodeArgs.length ? { HAZWATCH_NODE_ARGS: nodeArgs.join(' ') } : {}) });
  try {
    const httpUrl = await Promise.race([
      waitFor(() => /API\s+(http:\/\/\S+)\/api\/v1\/health/.exec(child.output.stdout)?.[1], 'hazwatch serve to start', opts.timeoutMs ?? 60_000, 5),
      // An early exit (a bad site, a broken tree) fails at once, with what the server said.
      child.exited.then(() => {
        throw new Error(`hazwatch serve exited (${child.proc.exitCode ?? child.proc.signalCode}) before it was ready: ${child.output.stderr.slice(-2000)}`);
      }),
    ]);
    return { ...child, httpUrl, startedAt };
  } catch (err) {
    await child.kill('SIGKILL');
    throw err;
  }
}

/**
 * The node options the launcher gives the server (its `exec node …` line, before HAZWATCH_NODE_ARGS).
 * The raw aedes anchor and the engine benchmark run with them too, so that a figure and its anchor
 * differ in code, not in V8's settings (HAZWATCH_BENCH_NODE_ARGS, for profiling, reaches the server
 * only). Read from the launcher, so that the two cannot drift apart.
 */
export function launcherNodeOptions(): string[] {
  const line = /^exec node (.*?)\$\{HAZWATCH_NODE_ARGS/m.exec(readFileSync(HAZWATCH, 'utf8'));
  if (!line) throw new Error(`cannot find the node options in ${HAZWATCH}: its exec line has changed`);
  return line[1]!.split(' ').filter(Boolean);
}

/**
 * aedes alone on a free loopback port, with a QoS 1 subscriber to all telemetry that does nothing; under
 * the launcher's node options. `concurrency`: aedes's option of that name (its default: 100).
 */
export async function startRawAedes(opts: { concurrency?: number } = {}): Promise<Child & { url: string; received(): Promise<number> }> {
  const env: Record<string, string> = opts.concurrency !== undefined ? { HAZWATCH_BENCH_AEDES_CONCURRENCY: String(opts.concurrency) } : {};
  const child = startChild(process.execPath, [...launcherNodeOptions(), '--import', 'tsx', AEDES_CHILD], env);
  const port = await waitFor(() => /^PORT (\d+)$/m.exec(child.output.stdout)?.[1], 'raw aedes to listen', 20_000, 10).catch(async (err) => {
    await child.kill('SIGKILL');
    throw err;
  });
  return {
    ...child,
    url: `mqtt://127.0.0.1:${port}`,
    // The child prints its count on SIGUSR2: the bench asks, it does not share memory.
    received: async () => {
      const before = child.output.stdout.length;
      child.proc.kill('SIGUSR2');
      const line = await waitFor(() => /RECEIVED (\d+)/.exec(child.output.stdout.slice(before))?.[1], 'raw aedes count', 5000, 10);
      return Number(line);
    },
  };
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The most the process has been resident so far (bytes; the kernel's high-water mark). */
export function peakRssOf(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * CPU time (user + system, seconds) used so far by a process, and with `children` by every process
 * under it too (the launcher may run the server as its child). Linux /proc; clock ticks of 1/100 s, as
 * on every Linux of this kind.
 */
export function cpuSecondsOf(pid: number, children = true): number {
  const stats: { pid: number; ppid: number; ticks: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name (2nd field) may hold spaces and parentheses: fields are read after its last ')'.
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(name), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([pid]);
  for (let grew = children; grew; ) {
    grew = false;
    for (const s of stats) if (!tree.has(s.pid) && tree.has(s.ppid)) grew = tree.add(s.pid).size > 0;
  }
  return stats.filter((s) => tree.has(s.pid)).reduce((a, s) => a + s.ticks, 0) / 100;
}

export function machine() {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model;
  } catch {
    // not Linux: os.cpus() is the best we have
  }
  let load: number[] = [];
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    load = [];
  }
  return { cores: cpus().length, memoryMB: Math.round(totalmem() / 2 ** 20), cpu: model, node: process.version, platform: `${process.platform} ${process.arch}`, loadAverageAtStart: load };
}
