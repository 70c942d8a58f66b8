// Builds the dashboard only when its sources are newer than the last build, so `npm start` is quick on
// the second run and never serves a stale dashboard.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './children.mjs';

// The dashboard imports the shared contract, so a change there is a change to the dashboard too.
const SOURCES = ['dashboard/src', 'dashboard/public', 'dashboard/index.html', 'dashboard/vite.config.ts', 'dashboard/package.json', 'protocols/src'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when dashboard/dist exists and no source changed after it was built. */
export function dashboardUpToDate(root) {
  const built = join(root, 'dashboard/dist/index.html');
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.every((s) => newestMtime(join(root, s)) <= builtAt);
}

/** `npm run build -w @hazwatch/dashboard` through the npm that runs us (or the one on PATH). */
export async function buildDashboard(root) {
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli && npmCli.endsWith('.js')
    ? [process.execPath, [npmCli, 'run', 'build', '-w', '@hazwatch/dashboard']]
    : ['npm', ['run', 'build', '-w', '@hazwatch/dashboard']];
  const code = await run(cmd, args, { cwd: root });
  if (code !== 0) throw new Error(`the dashboard build failed (exit ${code}); see its output above`);
}
