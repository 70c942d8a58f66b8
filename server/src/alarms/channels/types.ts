import type { Channel } from '@hazwatch/protocols';
import type { Message } from '../messages.ts';

/** What one attempt needs besides the message: the idempotency key, the bound and the secrets. */
export type SendContext = {
  /** The delivery's idempotency key: the same on every attempt, so a receiver can drop a repeat. */
  key: string;
  attempt: number;
  timeoutMs: number;
  /** Looks up a secret by the name a channel gives (`secretEnv`, `keyEnv`, …). */
  secret: (name: string) => string | undefined;
  now: () => number;
};

/**
 * The receipt of one attempt. `permanent`: retrying cannot help (a missing secret, a rejected
 * signature, a 4xx): the delivery goes to the dead letter at once.
 */
export type SendResult = { ok: boolean; status: number | null; response: string | null; error: string | null; permanent?: boolean };

export type ChannelSender<C extends Channel = Channel> = (channel: C, message: Message, ctx: SendContext) => Promise<SendResult>;

export class MissingSecret extends Error {}

/** The secret a channel names, or a permanent failure naming the variable that is not set. */
export function needSecret(ctx: SendContext, name: string, what: string): string {
  const v = ctx.secret(name);
  if (v === undefined || v === '') throw new MissingSecret(`the environment variable ${name} (${what}) is not set`);
  return v;
}
