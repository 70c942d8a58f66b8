// What the `hazwatch-agent` commands share: their usage error, and the gateways' secrets file.
import { readFileSync } from 'node:fs';

/** A command line that cannot run: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** A gateway's MQTT login from such secrets: user name `ENT/GW` (SPEC); undefined when it has none. */
export function gatewayLogin(secrets: Readonly<Record<string, string>> | undefined, enterpriseId: string, gatewayId: string): { username: string; password: string } | undefined {
  const username = `${enterpriseId}/${gatewayId}`;
  const password = secrets?.[username];
  return password === undefined ? undefined : { username, password };
}

/**
 * The gateways' MQTT secrets for `simulate` and `load`: a JSON file with
 * `{ "gateways": { "ENT/GW": "secret" } }`, as `hazwatch serve --demo` writes it (demo-credentials.json).
 */
export function readCredentials(file: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--credentials ${file}: ${(err as Error).message}`);
  }
  const g = (doc as { gateways?: unknown } | null)?.gateways;
  if (typeof g !== 'object' || g === null || Object.values(g).some((v) => typeof v !== 'string')) {
    throw new UsageError(`--credentials ${file}: expected { "gateways": { "ENT/GW": "secret", … } }`);
  }
  return g as Record<string, string>;
}
