// The `hazwatch` launcher (server/bin/hazwatch): the start-time memory and V8 settings reach the Node
// process that runs hazwatch.mjs, the environment overrides them, HAZWATCH_NODE_ARGS reaches node,
// and the launcher works through a symlink as npm's `node_modules/.bin/hazwatch` is one.
import { execFile } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const LAUNCHER = fileURLToPath(new URL('../bin/hazwatch', import.meta.url));
const ENTRY = fileURLToPath(new URL('../bin/hazwatch.mjs', import.meta.url));
const run = promisify(execFile);

// `node -p EXPR FILE ARGS…` prints EXPR instead of running FILE, with FILE and ARGS in process.argv:
// what the process was started with, without starting a server.
const PROBE = '-p JSON.stringify([process.execArgv,process.argv.slice(1),process.env.MALLOC_ARENA_MAX,process.env.MALLOC_TRIM_THRESHOLD_])';

type Probe = [execArgv: string[], argv: string[], arenaMax: string | undefined, trimThreshold: string | undefined];

async function probe(cmd: string, env: Record<string, string> = {}): Promise<Probe> {
  const { stdout } = await run(cmd, ['serve', '--demo'], { env: { PATH: process.env.PATH ?? '', HAZWATCH_NODE_ARGS: PROBE, ...env } });
  return JSON.parse(stdout) as Probe;
}

describe('hazwatch launcher', () => {
  it('starts hazwatch.mjs with the memory settings, HAZWATCH_NODE_ARGS and the arguments', async () => {
    const [execArgv, argv, arenaMax, trim] = await probe(LAUNCHER);
    // V8's option first, then HAZWATCH_NODE_ARGS's (the probe's own, here), so that those can undo it.
    expect(execArgv[0]).toBe('--no-allocation-site-pretenuring');
    expect(execArgv[1]).toBe('-p');
    expect(argv).toEqual([ENTRY, 'serve', '--demo']);
    expect([arenaMax, trim]).toEqual(['2', '1048576']);
  });

  it('leaves environment settings given by the caller as they are', async () => {
    const [, , arenaMax, trim] = await probe(LAUNCHER, { MALLOC_ARENA_MAX: '8', MALLOC_TRIM_THRESHOLD_: '131072' });
    expect([arenaMax, trim]).toEqual(['8', '131072']);
  });

  it("gives HAZWATCH_NODE_ARGS's options after its own, so that they can undo them (V8 takes the later)", async () => {
    const [execArgv] = await probe(LAUNCHER, { HAZWATCH_NODE_ARGS: `--allocation-site-pretenuring ${PROBE}` });
    expect(execArgv).toContain('--no-allocation-site-pretenuring');
    expect(execArgv).toContain('--allocation-site-pretenuring');
    expect(execArgv.indexOf('--allocation-site-pretenuring')).toBeGreaterThan(execArgv.indexOf('--no-allocation-site-pretenuring'));
  });

  it('finds hazwatch.mjs when run through a symlink elsewhere (npm links its bin)', async () => {
    const dir = tempDir();
    try {
      const link = join(dir.dir, 'hazwatch');
      symlinkSync(LAUNCHER, link);
      const [, argv] = await probe(link);
      expect(argv[0]).toBe(ENTRY);
    } finally {
      dir.remove();
    }
  });
});
