/**
 * The host to put in a URL for a server bound to `host`: a wildcard bind is reached via IPv4
 * loopback (not "localhost", which may resolve to ::1 while the socket listens on IPv4 only).
 */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '' ) return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
