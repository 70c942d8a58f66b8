// `npm start` (hazwatch serve --demo): demo users for each role and a credential for every gateway of
// the site. Secrets are random the first time and kept in `{dataDir}/demo-credentials.json` (mode
// 0600), so a restart keeps the same logins and the simulated agents find their secrets there.
// Production (`hazwatch serve` without --demo) starts with no users at all.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteConfig } from '@hazwatch/protocols';
import { randomSecret } from './password.ts';
import type { AuthService } from './service.ts';
import type { Role } from './types.ts';

export type DemoCredentials = {
  users: { username: string; password: string; role: Role; enterpriseId: string | null; region: string | null }[];
  /** `{enterpriseId}/{gatewayId}` → secret, the MQTT user name and password of each gateway. */
  gateways: Record<string, string>;
};

export const DEMO_CREDENTIALS_FILE = 'demo-credentials.json';

export async function seedDemo(auth: AuthService, site: SiteConfig, dataDir: string): Promise<DemoCredentials> {
  const file = join(dataDir, DEMO_CREDENTIALS_FILE);
  const kept: DemoCredentials = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials) : { users: [], gateways: {} };
  const first = site.enterprises[0];
  const wanted: { username: string; role: Role; enterpriseId: string | null; region: string | null }[] = [
    { username: 'admin', role: 'admin', enterpriseId: null, region: null },
    ...(first
      ? [
          { username: 'operator', role: 'operator' as const, enterpriseId: first.id, region: null },
          { username: 'ent-admin', role: 'enterprise-admin' as const, enterpriseId: first.id, region: null },
          { username: 'regulator', role: 'regulator' as const, enterpriseId: null, region: first.region },
        ]
      : []),
  ];
  const users: DemoCredentials['users'] = [];
  for (const w of wanted) {
    const old = kept.users.find((u) => u.username === w.username);
    const exists = auth.store.userByName(w.username) !== undefined;
    if (exists && old) {
      users.push(old);
      continue;
    }
    const password = randomSecret(9);
    if (exists) await auth.updateUser(auth.store.userByName(w.username)!.id, { password }, 'demo');
    else await auth.createUser({ ...w, password }, 'demo');
    users.push({ ...w, password });
  }
  const gateways: Record<string, string> = {};
  for (const e of site.enterprises) {
    for (const g of e.gateways) {
      const key = `${e.id}/${g.id}`;
      const old = kept.gateways[key];
      const stored = auth.store.gatewayCredential(e.id, g.id);
      if (old && stored && auth.verifyGateway(key, old)) gateways[key] = old;
      else gateways[key] = auth.gatewayCredential(e.id, g.id, 'demo').password;
    }
  }
  const out = { users, gateways };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o600 });
  return out;
}
