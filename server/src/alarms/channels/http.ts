import type { SendResult } from './types.ts';

const MAX_RESPONSE = 2000;

/** A JSON POST bounded by `timeoutMs`; the response body (truncated) is kept for the receipt. */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    const text = (await res.text()).slice(0, MAX_RESPONSE);
    return { status: res.status, text };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { error: `POST ${redact(url)} failed: ${why}` };
  }
}

/** Robot URLs carry their keys in the query: never write those into receipts or logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '…');
    u.pathname = u.pathname.replace(/\/hook\/[^/]+$/, '/hook/…');
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** 2xx is accepted; 408, 429 and 5xx may pass on a retry; any other status will not. */
export function byStatus(r: { status: number; text: string } | { error: string }): SendResult {
  if ('error' in r) return { ok: false, status: null, response: null, error: r.error };
  if (r.status >= 200 && r.status < 300) return { ok: true, status: r.status, response: r.text, error: null };
  const retryable = r.status === 408 || r.status === 429 || r.status >= 500;
  return { ok: false, status: r.status, response: r.text, error: `HTTP ${r.status}`, permanent: !retryable };
}

/**
 * Robots answer HTTP 200 with their own error code in the body: accepted only when it is 0; the
 * codes in `busy` (rate limits, "system busy") may pass on a retry, any other will not.
 */
export function byRobotCode(r: { status: number; text: string } | { error: string }, field: string[], busy: readonly number[]): SendResult {
  const http = byStatus(r);
  if (!http.ok || 'error' in r) return http;
  let code: unknown;
  try {
    const body = JSON.parse(r.text) as Record<string, unknown>;
    code = field.map((f) => body[f]).find((v) => v !== undefined);
  } catch {
    return { ...http, ok: false, error: 'the robot answered with something that is not JSON' };
  }
  if (code === 0) return http;
  const n = typeof code === 'number' ? code : Number.NaN;
  return { ...http, ok: false, error: `the robot refused the message (code ${String(code)})`, permanent: !busy.includes(n) };
}
