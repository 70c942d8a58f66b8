import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The dashboard is served by the hazwatch server in production (same origin: /api and /socket.io).
// `npm run dev -w @hazwatch/dashboard` proxies both to a local `hazwatch serve` on its default port.
const backend = process.env.HAZWATCH_DEV_BACKEND ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  // Vite 8 transforms JSX with oxc; Preact's automatic runtime needs no plugin (no Babel in the build).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': backend,
      '/socket.io': { target: backend, ws: true },
    },
  },
});
