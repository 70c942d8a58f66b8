#!/usr/bin/env node
// The `hazwatch` command. Sources are TypeScript with no separate build step: at every start they are
// bundled into one plain JavaScript file (esbuild, a fraction of a second), named by the hash of its
// content, and the process runs that. `npx hazwatch` works right after `npm ci` and can never run
// stale code. Bundling rather than transpiling in the process (tsx) matters for a long-running
// platform: tsx keeps a loader thread and its compiler for the life of the process, and keeps every
// function's name by defining a property on each closure it creates (hundreds of bytes per closure;
// the rule engine makes a few per tracker). If bundling fails, the sources run through tsx as before.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Resident memory (issue 10). V8 lets the old generation grow to a multiple of the live heap before
// its next full collection, a multiple it picks from the allocation rate: up to 4x on a machine with
// a few GB, so a server with ~120 MB live at 10,000 workshops held 300-500 MB. Once the server is up
// (app.ts emits SERVER_STARTED) a fixed 30 % keeps the heap near 1.3x what is live, for a full
// collection every second or so under load (mostly concurrent marking), and one full collection a
// second after ready clears start-up's garbage at once. Not from the start: while the heap grows from
// nothing, a full collection at every 1.3x made ready at 10,000 workshops ~2 s later (~5 s instead
// of ~3). V8 reads the flag at each collection, so it can change in a running process;
// `HAZWATCH_NODE_ARGS=--heap-growing-percent=N` chooses another value from the start (0: V8's own).
// The settings that only act at start are in the launcher beside this file (`server/bin/hazwatch`).
const SERVER_STARTED = 'hazwatch:server-started';
process.once(SERVER_STARTED, () => {
  if (!process.execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) setFlagsFromString('--heap-growing-percent=30');
  // The one way to ask for a full collection without --expose-gc (which would put gc() on every global).
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc');
  setFlagsFromString('--no-expose-gc');
  // A pause of ~0.2 s at 10,000 workshops: a second after ready rather than in the way of the first
  // requests and reconnecting gateways (which queue meanwhile, as behind any collection). Compacting:
  // a plain collection frees start-up's garbage but keeps the pages it lay on (~65 MB of old space at
  // 10,000 workshops, resident until load happens to reuse them).
  setTimeout(() => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      collect();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  }, 1000).unref();
});

const ENTRY = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
// Inside a node_modules directory so the bundle's imports of dependencies resolve as the sources' do.
const CACHE = fileURLToPath(new URL('../node_modules/.cache/hazwatch/', import.meta.url));
// Bundles of older sources are removed once unused this long (another start may still be loading one).
const KEEP_MS = 86_400_000;

async function bundled() {
  const { build, stop } = await import('esbuild');
  try {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node}`,
      outfile: join(CACHE, 'main.mjs'),
      // The map is a file beside the bundle, read only under `node --enable-source-maps` (then stack
      // traces name the TypeScript lines). V8 keeps a module's source text in the heap for as long as
      // the process runs, and Node keeps every source map it loaded, parsed: an inline map and maps
      // always on cost ~3 MB of heap for traces that name bundle lines otherwise (the bundle is not
      // minified; each source file starts with a comment naming it).
      sourcemap: 'external',
      sourcesContent: false,
      // ASCII (other characters escaped): one non-Latin-1 character anywhere (the Chinese messages)
      // makes V8 hold the whole source as two-byte text, twice the size.
      charset: 'ascii',
      logLevel: 'silent',
      plugins: [externalDependencies, ownFileUrls],
    });
    const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
    const name = `main-${createHash('sha256').update(js.contents).update(map.contents).digest('hex').slice(0, 16)}.mjs`;
    const file = join(CACHE, name);
    mkdirSync(CACHE, { recursive: true });
    try {
      const now = new Date();
      utimesSync(file, now, now);
      utimesSync(`${file}.map`, now, now);
    } catch {
      // Each written whole, then renamed, the map first: a start running at the same time never reads
      // half a file, nor a bundle without its map.
      // esbuild escapes what it emits as code, not the comments it keeps: those are escaped too
      // (after any code on their line, so the map's columns still hold).
      const code = `${js.text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}//# sourceMappingURL=${name}.map\n`;
      for (const [f, data] of [[`${file}.map`, map.contents], [file, code]]) {
        const tmp = `${f}.${process.pid}.tmp`;
        writeFileSync(tmp, data);
        renameSync(tmp, f);
      }
    }
    prune(file);
    return file;
  } finally {
    await stop();
  }
}

/** Dependencies stay imports, resolved at run time from node_modules; the workspace's own packages (TypeScript) are bundled. */
const externalDependencies = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@hazwatch/') ? undefined : { path: a.path, external: true }));
  },
};

/** `import.meta.url` keeps naming each source file, as sources find files beside them (profiles, package.json, the dashboard). */
const ownFileUrls = {
  name: 'own-file-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (a) => {
      const src = readFileSync(a.path, 'utf8');
      return { contents: src.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)), loader: 'ts' };
    });
  },
};

function prune(keep) {
  for (const name of readdirSync(CACHE)) {
    const f = join(CACHE, name);
    if (f === keep || f === `${keep}.map` || !/^main-[0-9a-f]+\.mjs(\.map)?(\.\d+\.tmp)?$/.test(name)) continue;
    try {
      if (Date.now() - statSync(f).mtimeMs > KEEP_MS) rmSync(f, { force: true });
    } catch {
      // another start pruned it first
    }
  }
}

let entry;
try {
  entry = pathToFileURL(await bundled()).href;
} catch (err) {
  process.stderr.write(`hazwatch: running the sources through tsx (bundling failed: ${err?.message ?? err})\n`);
  (await import('tsx/esm/api')).register();
  entry = new URL('../src/cli/main.ts', import.meta.url).href;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
