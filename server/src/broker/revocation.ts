// A secret rotated or withdrawn, a token revoked or expired: the embedded broker's connections that
// signed in with it are closed, not left working until they reconnect (docs/architecture.md,
// "A credential withdrawn closes what it opened").
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import type { AuthChange } from '../auth/service.ts';
import type { MqttAccess, MqttIdentity } from './access.ts';

export type RevocationOptions = {
  aedes: Aedes;
  access: MqttAccess;
  /** Who each connection signed in as (set by the broker's authenticate hook). */
  identities: WeakMap<Client, MqttIdentity>;
  log: Logger;
  /** Told of each change made through this process's AuthService. */
  authChanges?: (listener: (c: AuthChange) => void) => () => void;
  /** Every connection is checked this often too (expiry; changes by another process). Default 30 s. */
  recheckMs?: number;
  /** A connection closed (the security log), and why. */
  onClosed?: (who: MqttIdentity, clientId: string, reason: 'credentials-withdrawn' | 'scope-changed') => void;
  /**
   * A gateway's last valid connection closed: its will is not taken (it was written under the
   * credential just withdrawn), so the broker reports the gateway offline in its stead.
   */
  onGatewayCut: (enterpriseId: string, gatewayId: string) => void;
};

export type Revocation = {
  /** Call when authenticate accepted `client`: a change between then and its registration is caught. */
  signedIn(client: Client): void;
  /** Call when aedes registered `client` (its `client` event). */
  registered(client: Client): void;
  /**
   * A new site revision: a token reader subscribed to an enterprise it may no longer see (moved out of
   * a regulator's region) is closed; reconnecting, it subscribes under the new scope. (What a kept
   * session queued meanwhile is held back on delivery: the broker's authorizeForward.)
   */
  siteChanged(): void;
  stop(): void;
};

export function watchRevocations(opts: RevocationOptions): Revocation {
  const { aedes, access, identities, log } = opts;
  let stopped = false;
  // Bumped by every change: a connection signed in before a change but registered after it (aedes
  // adds a client to its map only after authenticate) is checked once it is registered.
  let generation = 0;
  const signedInAt = new WeakMap<Client, number>();

  const connected = () => Object.values((aedes as unknown as { clients: Record<string, Client> }).clients);

  const recheck = (concerned: (who: MqttIdentity) => boolean, only?: Client) => {
    if (stopped) return;
    let valid: (who: MqttIdentity) => boolean;
    try {
      valid = access.validity();
    } catch (err) {
      log.warn({ err }, 'rechecking connections failed; they stay until the next recheck');
      return;
    }
    const cut = new Map<string, { enterpriseId: string; gatewayId: string }>();
    for (const client of only ? [only] : connected()) {
      const who = identities.get(client);
      if (!who || !concerned(who)) continue;
      try {
        if (valid(who)) continue;
        identities.delete(client);
        client.close();
        opts.onClosed?.(who, client.id, 'credentials-withdrawn');
        if (who.kind === 'gateway') cut.set(`${who.enterpriseId}/${who.gatewayId}`, who);
      } catch (err) {
        log.warn({ err, clientId: client.id }, 'closing a connection whose credential was withdrawn failed');
      }
    }
    // Offline only if no other connection of the gateway still holds (one made with the new secret).
    for (const [key, g] of cut) {
      const still = connected().some((c) => {
        const who = identities.get(c);
        return who?.kind === 'gateway' && `${who.enterpriseId}/${who.gatewayId}` === key;
      });
      if (!still) opts.onGatewayCut(g.enterpriseId, g.gatewayId);
    }
  };

  const timer = setInterval(() => recheck(() => true), opts.recheckMs ?? 30_000);
  timer.unref();
  // Only the connections a change can concern are looked at (users' sessions never sign in here).
  const off = opts.authChanges?.((c) => {
    generation++;
    if (c.kind === 'gateway') recheck((who) => who.kind === 'gateway' && who.enterpriseId === c.enterpriseId && who.gatewayId === c.gatewayId);
    else if (c.kind === 'token') recheck((who) => who.kind === 'reader' && who.principal.id === c.tokenId);
  });

  return {
    signedIn: (client) => signedInAt.set(client, generation),
    registered: (client) => {
      const at = signedInAt.get(client);
      if (at !== undefined && at !== generation) recheck(() => true, client);
    },
    siteChanged: () => {
      if (stopped) return;
      for (const client of connected()) {
        const who = identities.get(client);
        if (who?.kind !== 'reader') continue;
        try {
          // (aedes keeps a client's granted subscriptions by filter.)
          const filters = Object.keys((client as unknown as { subscriptions?: Record<string, unknown> }).subscriptions ?? {});
          if (filters.every((f) => access.stillAllowed(who, f))) continue;
          identities.delete(client);
          client.close();
          opts.onClosed?.(who, client.id, 'scope-changed');
        } catch (err) {
          log.warn({ err, clientId: client.id }, 'closing a connection outside its new scope failed');
        }
      }
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
      off?.();
    },
  };
}
