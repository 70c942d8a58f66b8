// A small hash router: the server serves one index.html, so views live behind `#/path` and need no
// server routes. Later views (workshop detail, enterprise, regulator, login) add a line to routes.ts.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { StringKey } from './i18n/strings.ts';

export type RouteParams = Record<string, string>;
export type Route = { pattern: string; title: StringKey; view: ComponentType<{ params: RouteParams }> };

export function currentPath(): string {
  const h = location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h : '/';
}

export function useHashPath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const on = () => setPath(currentPath());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return path;
}

/** Matches `/workshops/:id` style patterns; returns the params, or null. */
export function matchRoute(pattern: string, path: string): RouteParams | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('?')[0]!.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: RouteParams = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(s[i]!);
    else if (seg !== s[i]) return null;
  }
  return params;
}

export function resolve(routes: readonly Route[], path: string): { route: Route; params: RouteParams } | null {
  for (const route of routes) {
    const params = matchRoute(route.pattern, path);
    if (params) return { route, params };
  }
  return null;
}

export const href = (path: string) => `#${path}`;
