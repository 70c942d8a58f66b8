// How the benchmarks and the fault suite get in once the platform authenticates (issue 6): the server
// runs with `--demo`, which issues a secret per gateway and demo users and keeps them in
// `{dataDir}/demo-credentials.json`; gateways connect as `{enterpriseId}/{gatewayId}` with their
// secret, and HTTP and socket.io go with an admin session cookie. Without that file the platform is
// open (an older tree, or anonymous access allowed) and nothing is added.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Credentials, LoadGateway } from '@hazwatch/simulators';
import { waitFor } from './procs.ts';

export type Access = {
  /** MQTT user name and password of a gateway; undefined: anonymous. */
  gateway: (g: Pick<LoadGateway, 'enterpriseId' | 'gatewayId'>) => Credentials | undefined;
  /** Headers for the HTTP API and the socket.io handshake. */
  headers: Record<string, string>;
};

type DemoFile = { users: { username: string; password: string; role: string }[]; gateways: Record<string, string> };

export const OPEN: Access = { gateway: () => undefined, headers: {} };

export async function accessOf(dataDir: string, httpUrl: string): Promise<Access> {
  const file = join(dataDir, 'demo-credentials.json');
  if (!existsSync(file)) return OPEN;
  const demo = JSON.parse(readFileSync(file, 'utf8')) as DemoFile;
  const admin = demo.users.find((u) => u.role === 'admin');
  let headers: Record<string, string> = {};
  if (admin) {
    const cookie = await waitFor(async () => {
      const res = await fetch(`${httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: admin.username, password: admin.password }) });
      if (res.status !== 200) throw new Error(`login as ${admin.username}: ${res.status} ${await res.text()}`);
      return res.headers.get('set-cookie')?.split(';')[0];
    }, 'an admin session', 10_000, 50);
    headers = { cookie };
  }
  return {
    gateway: (g) => {
      const name = `${g.enterpriseId}/${g.gatewayId}`;
      const secret = demo.gateways[name];
      return secret !== undefined ? { username: name, password: secret } : undefined;
    },
    headers,
  };
}
