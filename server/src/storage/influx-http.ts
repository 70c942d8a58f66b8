import { HttpError, InfluxDB } from '@influxdata/influxdb-client';

export type InfluxTarget = {
  url: string;
  /**
   * `v1`: `/write?db=` (InfluxDB 1.x, also 1.8+, 2.x and 3.x through their v1 compatibility); the bucket
   * is the database, `db/rp` names a retention policy; a token `user:password` is sent as basic auth.
   * `v2`: `/api/v2/write?org=&bucket=` with `Authorization: Token` (InfluxDB 1.8+, 2.x, 3.x).
   * Reads are InfluxQL over `/query` either way: the one read API every version serves.
   */
  api: 'v1' | 'v2';
  bucket: string;
  org?: string;
  token?: string;
  timeoutMs: number;
};

/** One statement's result of `/query` (InfluxQL, `epoch=ms`). */
export type InfluxSeries = { name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> };

/** A write InfluxDB refused for its content (400): retrying the same points cannot succeed. */
export function isPermanentWriteError(err: unknown): boolean {
  return err instanceof HttpError && (err.statusCode === 400 || err.statusCode === 413);
}

export function describeError(err: unknown): string {
  if (err instanceof HttpError) return `HTTP ${err.statusCode}${err.body ? `: ${err.body.slice(0, 300)}` : ''}`;
  const e = err as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(' ') || String(err);
}

/**
 * InfluxDB over HTTP through @influxdata/influxdb-client's transport (connection handling, timeouts,
 * auth header, error types). The client's own WriteApi is not used: its retry buffer lives in memory
 * and reorders on retry, while the spool in front of this class is durable and drains in order.
 */
export class InfluxHttp {
  private readonly client: InfluxDB;
  private readonly db: string;
  private readonly rp: string | undefined;

  constructor(private readonly target: InfluxTarget) {
    const basic = target.api === 'v1' && target.token?.includes(':');
    this.client = new InfluxDB({
      url: target.url,
      timeout: target.timeoutMs,
      ...(target.token !== undefined && !basic ? { token: target.token } : {}),
      ...(basic ? { headers: { Authorization: `Basic ${Buffer.from(target.token!).toString('base64')}` } } : {}),
    });
    const [db, rp] = target.bucket.split('/', 2) as [string, string | undefined];
    this.db = db;
    this.rp = rp;
  }

  /** Line protocol with nanosecond timestamps, as text or as its UTF-8 bytes. */
  async write(body: string | Uint8Array, signal?: AbortSignal): Promise<void> {
    const path =
      this.target.api === 'v1'
        ? `/write?${params({ db: this.db, rp: this.rp, precision: 'ns' })}`
        : `/api/v2/write?${params({ org: this.target.org, bucket: this.target.bucket, precision: 'ns' })}`;
    // `send`, not `request`: `request` takes any body that is not a string for JSON. `send` makes the
    // body a Buffer with Buffer.from, which copies bytes as they are (the spool's bodies are bytes, kept
    // out of V8's heap; see spool.ts). An error status comes as the client's HttpError, as from `request`.
    await new Promise<void>((resolve, reject) => {
      this.client.transport.send(path, body as string, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, ...(signal ? { signal } : {}) }, {
        next: () => undefined,
        error: reject,
        complete: resolve,
      });
    });
  }

  /** Runs InfluxQL statements; one array of series per statement, times in epoch ms. */
  async query(influxql: string, signal?: AbortSignal): Promise<InfluxSeries[][]> {
    const path = `/query?${params({ db: this.db, rp: this.rp, epoch: 'ms', q: influxql })}`;
    const res = (await this.client.transport.request(path, null, { method: 'GET', ...(signal ? { signal } : {}) })) as {
      results?: { series?: InfluxSeries[]; error?: string }[];
      error?: string;
    };
    if (res?.error) throw new Error(`InfluxQL error: ${res.error}`);
    return (res?.results ?? []).map((r) => {
      if (r.error) throw new Error(`InfluxQL error: ${r.error}`);
      return r.series ?? [];
    });
  }

  /** 1.x only: creates the database when missing (idempotent; needs admin rights when auth is on). */
  async createDatabase(): Promise<void> {
    await this.client.transport.request(`/query?${params({ q: `CREATE DATABASE ${quoteIdent(this.db)}` })}`, '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}

function params(p: Record<string, string | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined) u.set(k, v);
  return u.toString();
}

export function quoteIdent(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
