// The agent's small HTTP server: the health endpoint, and the endpoints where an access-control or
// personnel-positioning system pushes to the agent. node:http and exact paths: the agent runs on a
// gateway with little memory, and it serves a handful of machine clients, not a public API.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Logger } from 'pino';

/** Larger bodies are refused: a door event is a few dozen bytes, a push of 1000 readings well below this. */
const MAX_BODY_BYTES = 1024 * 1024;

export type HttpRequest = { headers: IncomingHttpHeaders; body: unknown };
export type HttpResponse = { status: number; body: unknown };
export type HttpHandler = (req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

export class AgentHttpServer {
  private readonly routes = new Map<string, HttpHandler>();
  private server: Server | null = null;
  private boundPort = 0;
  private refusedCount = 0;

  constructor(private readonly opts: { host: string; port: number; logger: Logger }) {}

  get port(): number {
    return this.boundPort;
  }

  /** Requests refused before any handler saw them: unknown path, wrong method, too large, not JSON. */
  get refused(): number {
    return this.refusedCount;
  }

  get url(): string {
    return `http://${this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host}:${this.boundPort}`;
  }

  get(path: string, handler: HttpHandler): void {
    this.add('GET', path, handler);
  }

  post(path: string, handler: HttpHandler): void {
    this.add('POST', path, handler);
  }

  private add(method: string, path: string, handler: HttpHandler): void {
    const key = `${method} ${path}`;
    if (this.routes.has(key)) throw new Error(`HTTP route ${key} is registered twice`);
    this.routes.set(key, handler);
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const path = (req.url ?? '/').split('?')[0]!;
      const handler = this.routes.get(`${req.method} ${path}`);
      if (!handler) {
        this.refusedCount++;
        const other = [...this.routes.keys()].some((k) => k.endsWith(` ${path}`));
        send(other ? 405 : 404, { error: other ? `${req.method} is not allowed on ${path}` : `no such endpoint: ${path}` });
        req.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES && !refused) {
          refused = true;
          this.refusedCount++;
          send(413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
          req.destroy();
        } else if (!refused) chunks.push(c);
      });
      req.on('end', () => {
        if (refused) return;
        let body: unknown = undefined;
        if (size > 0) {
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (err) {
            this.refusedCount++;
            send(400, { error: `body is not JSON: ${(err as Error).message}` });
            return;
          }
        }
        Promise.resolve()
          .then(() => handler({ headers: req.headers, body }))
          .then(
            (r) => send(r.status, r.body),
            (err: unknown) => {
              this.opts.logger.error({ err, path }, 'HTTP handler failed');
              send(500, { error: 'internal error' });
            },
          );
      });
      req.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
