// Who may connect to the embedded broker and what each may publish and subscribe to (issue 6):
// - a gateway, as `{enterpriseId}/{gatewayId}` with its issued secret: publish only its own telemetry
//   and status, subscribe only to its own retained config (SPEC 2: a gateway speaks only for itself);
// - an integration, as user `token` with an API token as password: subscribe only to the alarms topic
//   of the enterprises the token may see;
// - the platform's own client, with a secret made at each start and never stored.
// Everything else is refused and written to the security log.
import { timingSafeEqual } from 'node:crypto';
import type { SiteConfig } from '@hazwatch/protocols';
import { visibleEnterprises } from '../auth/policy.ts';
import { parseGatewayUsername, type AuthService } from '../auth/service.ts';
import type { Principal } from '../auth/types.ts';

export type MqttIdentity =
  | { kind: 'platform' }
  | { kind: 'gateway'; enterpriseId: string; gatewayId: string; /** the credential's hash it signed in with */ hash: string }
  | { kind: 'reader'; principal: Principal }
  | { kind: 'anonymous' };

export type MqttAccess = {
  authenticate(clientId: string, username: string | undefined, password: Buffer | undefined, ip: string | null): MqttIdentity | undefined;
  mayPublish(who: MqttIdentity, topic: string, clientId: string): boolean;
  maySubscribe(who: MqttIdentity, filter: string, clientId: string): boolean;
  /**
   * A check, for one pass over the connections, of whether the credential each signed in with still
   * holds: a gateway's secret not rotated or withdrawn since, an API token not revoked or expired.
   * The broker closes those that do not. (Every gateway's hash is read once per pass, not once per
   * connection: thousands of gateways are rechecked on the ingest thread.)
   */
  validity(): (who: MqttIdentity) => boolean;
  /** Whether a subscription granted earlier is still allowed (after a site revision), without logging. */
  stillAllowed(who: MqttIdentity, filter: string): boolean;
};

export const PLATFORM_MQTT_USER = 'hazwatch-platform';
export const TOKEN_MQTT_USER = 'token';

const describe = (who: MqttIdentity) =>
  who.kind === 'gateway' ? `${who.enterpriseId}/${who.gatewayId}` : who.kind === 'reader' ? who.principal.name : who.kind;

export function mqttAccess(deps: {
  auth: AuthService;
  site: () => SiteConfig;
  platformPassword: string;
  /** Development only: clients without credentials may do anything, as before issue 6. */
  allowAnonymous: boolean;
}): MqttAccess {
  const platformSecret = Buffer.from(deps.platformPassword);
  const log = deps.auth.log;
  /** A refused publish or subscription, for the security log (topic or filter cut to 256 characters). */
  const refused = (action: 'mqtt.publish-refused' | 'mqtt.subscribe-refused', who: MqttIdentity, target: string, clientId: string) =>
    log.record({
      action,
      outcome: 'denied',
      actor: describe(who),
      enterpriseId: who.kind === 'gateway' ? who.enterpriseId : null,
      target: target.slice(0, 256),
      detail: { clientId },
    });
  return {
    authenticate(clientId, username, password, ip) {
      const secret = password?.toString('utf8') ?? '';
      const refuse = (reason: string): undefined => {
        // A name of one of the site's gateways puts the refusal in that enterprise's log: its admins
        // see a gateway still trying a rotated-away secret.
        const named = username !== undefined ? parseGatewayUsername(username) : undefined;
        const known = named && deps.site().enterprises.find((e) => e.id === named.enterpriseId)?.gateways.some((g) => g.id === named.gatewayId);
        const enterpriseId = known ? named!.enterpriseId : null;
        log.record({ action: 'mqtt.connect-refused', outcome: 'denied', actor: username ?? null, enterpriseId, ip, target: clientId, detail: { reason } });
        return undefined;
      };
      if (username === undefined) return deps.allowAnonymous ? { kind: 'anonymous' } : refuse('no credentials');
      if (username === PLATFORM_MQTT_USER) {
        const given = Buffer.from(secret);
        return given.length === platformSecret.length && timingSafeEqual(given, platformSecret) ? { kind: 'platform' } : refuse('wrong platform secret');
      }
      if (username === TOKEN_MQTT_USER) {
        const r = deps.auth.apiToken(secret);
        return r.ok ? { kind: 'reader', principal: r.principal } : refuse(`API token ${r.reason}`);
      }
      const g = deps.auth.verifyGateway(username, secret);
      const hash = g && deps.auth.store.gatewayCredential(g.enterpriseId, g.gatewayId)?.hash;
      return g && hash !== undefined ? { kind: 'gateway', ...g, hash } : refuse('wrong gateway credentials');
    },

    validity() {
      let hashes: Map<string, string> | undefined;
      const tokens = new Map<string, boolean>();
      return (who) => {
        if (who.kind === 'gateway') {
          hashes ??= new Map(deps.auth.store.gatewayCredentials().map((c) => [`${c.enterpriseId}/${c.gatewayId}`, c.hash]));
          return hashes.get(`${who.enterpriseId}/${who.gatewayId}`) === who.hash;
        }
        if (who.kind === 'reader') {
          const id = who.principal.id;
          if (!tokens.has(id)) tokens.set(id, deps.auth.tokenValid(id));
          return tokens.get(id)!;
        }
        return true;
      };
    },

    mayPublish(who, topic, clientId) {
      let ok: boolean;
      if (who.kind === 'platform' || who.kind === 'anonymous') ok = true;
      else if (who.kind === 'gateway') {
        const own = `hazwatch/v1/${who.enterpriseId}/${who.gatewayId}/`;
        ok = topic === `${own}telemetry` || topic === `${own}status`;
      } else ok = false;
      if (!ok) refused('mqtt.publish-refused', who, topic, clientId);
      return ok;
    },

    maySubscribe(who, filter, clientId) {
      const ok = allowed(who, filter);
      if (!ok) refused('mqtt.subscribe-refused', who, filter, clientId);
      return ok;
    },

    stillAllowed: allowed,
  };

  function allowed(who: MqttIdentity, filter: string): boolean {
    if (who.kind === 'platform' || who.kind === 'anonymous') return true;
    if (who.kind === 'gateway') return filter === `hazwatch/v1/${who.enterpriseId}/${who.gatewayId}/config`;
    // hazwatch/v1/{enterprise}/alarms/{# | + | id}: an enterprise the token may see ('+' for an admin),
    // as the running site says (a revision can move an enterprise out of a regulator's region).
    const parts = filter.split('/');
    const visible = visibleEnterprises(who.principal, deps.site());
    const ent = parts[2] ?? '';
    return parts.length === 5 && parts[0] === 'hazwatch' && parts[1] === 'v1' && parts[3] === 'alarms' && ent !== '#' && (visible === 'all' || (ent !== '+' && visible.includes(ent)));
  }
}
