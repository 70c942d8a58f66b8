// The HTTP API as the views use it: same origin, the session cookie sent by the browser, JSON in and
// out, and every non-2xx answer turned into an ApiError that keeps the server's body (its `problems`
// list is what the site upload shows per field).

export type Problem = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | undefined | null | false>;

export function withQuery(path: string, q: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== false && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export interface Api {
  get<T = unknown>(path: string, q?: Query): Promise<T>;
  send<T = unknown>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<T>;
}

/**
 * `actor()` names the user for the interim actor header: only used while the server runs without
 * authentication (then alarm actions need a name); with auth on, the server takes the session's user.
 */
export function createApi(opts: { base?: string; actor?: () => string | null; onUnauthenticated?: () => void } = {}): Api {
  const base = opts.base ?? '';
  const headers = (extra: Record<string, string>): Record<string, string> => {
    const h: Record<string, string> = { accept: 'application/json', ...extra };
    const actor = opts.actor?.();
    if (actor) h['x-hazwatch-actor'] = encodeURIComponent(actor);
    return h;
  };
  const call = async <T>(method: string, path: string, init: { body?: string; contentType?: string } = {}): Promise<T> => {
    const res = await fetch(base + path, {
      method,
      credentials: 'same-origin',
      headers: headers(init.contentType ? { 'content-type': init.contentType } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const b = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown; problems?: unknown };
      if (res.status === 401) opts.onUnauthenticated?.();
      const problems = Array.isArray(b.problems)
        ? b.problems.filter((p): p is Problem => typeof p === 'object' && p !== null && typeof p.path === 'string' && typeof p.message === 'string')
        : [];
      throw new ApiError(res.status, typeof b.error === 'string' ? b.error : `http-${res.status}`, typeof b.message === 'string' ? b.message : `${method} ${path}: HTTP ${res.status}`, problems);
    }
    return body as T;
  };
  return {
    get: (path, q) => call('GET', withQuery(path, q)),
    send: (method, path, body, contentType) =>
      call(method, path, body === undefined ? {} : typeof body === 'string' ? { body, contentType: contentType ?? 'text/plain; charset=utf-8' } : { body: JSON.stringify(body), contentType: 'application/json' }),
  };
}
