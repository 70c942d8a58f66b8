// Open socket.io connections authenticated again: a credential withdrawn (a user disabled, logged out,
// moved; a token revoked; a session expired) closes the connections it opened, not only new ones.
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';

/** Who a connection is, as the handshake proved it. */
export type Viewer = {
  name: string;
  /** Who, through which credential, with which scope; a recheck that finds another key closes the connection. */
  key?: string;
  /** For the security log: the enterprise the viewer belongs to, if one. */
  enterpriseId?: string | null;
  /** Whether an auth change (AuthService's) concerns this viewer; unset: every change does. */
  concerns?: (change: unknown) => boolean;
  visible: () => 'all' | readonly string[];
};

export type Handshake = { headers: Record<string, string | string[] | undefined>; token: string | undefined; address: string };

export type RecheckOptions = {
  sockets: () => Iterable<Socket>;
  viewers: WeakMap<Socket, Viewer>;
  authenticate: (handshake: Handshake, recheck: boolean) => Viewer | undefined;
  log: Logger;
  authChanges?: (listener: (c: unknown) => void) => () => void;
  /** Default 30 s: expiry, and changes made by another process (the CLI), which send no event. */
  everyMs?: number;
  onClosed?: (viewer: Viewer, reason: 'credentials-withdrawn' | 'scope-changed') => void;
};

export function handshakeOf(socket: Socket): Handshake {
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  return { headers: socket.handshake.headers, token: typeof token === 'string' ? token : undefined, address: socket.handshake.address };
}

export type Rechecks = {
  /** Call when the handshake of `socket` passed: a change between then and its connection is caught. */
  authenticated(socket: Socket): void;
  /** Call on `connection`. */
  connected(socket: Socket): void;
  stop(): void;
};

export function watchSockets(opts: RecheckOptions): Rechecks {
  const { viewers, authenticate, log } = opts;
  // Bumped by every change: socket.io adds a socket to its namespace a tick after the handshake, and
  // a change in that gap would otherwise be missed until the next periodic pass.
  let generation = 0;
  const authenticatedAt = new WeakMap<Socket, number>();

  const recheck = (sockets: Iterable<Socket>, concerned: (v: Viewer) => boolean) => {
    for (const socket of sockets) {
      const was = viewers.get(socket);
      if (!was || !concerned(was)) continue;
      try {
        const now = authenticate(handshakeOf(socket), true);
        if (now && now.key === was.key) continue;
        viewers.delete(socket);
        socket.disconnect(true);
        opts.onClosed?.(was, now ? 'scope-changed' : 'credentials-withdrawn');
      } catch (err) {
        log.warn({ err }, 'rechecking a connection failed; it stays until the next recheck');
      }
    }
  };

  const timer = setInterval(() => recheck(opts.sockets(), () => true), opts.everyMs ?? 30_000);
  timer.unref();
  const off = opts.authChanges?.((c) => {
    generation++;
    recheck(opts.sockets(), (v) => v.concerns?.(c) ?? true);
  });

  return {
    authenticated: (socket) => authenticatedAt.set(socket, generation),
    connected: (socket) => {
      if (authenticatedAt.get(socket) !== generation) recheck([socket], () => true);
    },
    stop: () => {
      clearInterval(timer);
      off?.();
    },
  };
}
