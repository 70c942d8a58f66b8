import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** dashboard/dist of this repository, where `npm run build` puts the dashboard. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));

/**
 * Serves the built dashboard at `/` with SPA fallback: any GET outside /api and /socket.io that is not
 * a file gets index.html, so deep links work. Unknown /api paths stay JSON 404s.
 */
export async function registerDashboard(app: FastifyInstance, dir: string = DEFAULT_DASHBOARD_DIR): Promise<void> {
  const built = existsSync(join(dir, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: dir, prefix: '/', index: ['index.html'] });
  else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><meta charset="utf-8"><title>hazwatch</title><h1>hazwatch</h1>' +
            '<p>The dashboard is not built. Run <code>npm run build</code> in the repository root, then restart the server.</p>' +
            '<p>The API is at <a href="/api/v1/health">/api/v1/health</a>.</p>',
        ),
    );
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (built && req.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/socket.io/')) {
      return reply.sendFile('index.html');
    }
    return reply.code(404).send({ error: 'not-found', message: `${req.method} ${path} is not a hazwatch endpoint` });
  });
}
