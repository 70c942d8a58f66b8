import { createHmac } from 'node:crypto';
import type { Channel } from '@hazwatch/protocols';
import { byStatus, postJson } from './http.ts';
import { needSecret, type ChannelSender } from './types.ts';

type Webhook = Extract<Channel, { kind: 'webhook' }>;

/** `sha256=` + hex HMAC-SHA256 of `${timestamp}.${body}`: the receiver checks both, so a replayed old body fails. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * A generic webhook: the same JSON body on every attempt (the attempt number and time travel in
 * headers), `Idempotency-Key` the delivery's key, signed when the channel names a secret.
 */
export const sendWebhook: ChannelSender<Webhook> = async (channel, message, ctx) => {
  const body = JSON.stringify({ v: 1, delivery: ctx.key, title: message.title, text: message.text, notifications: message.notifications });
  const timestamp = String(ctx.now());
  const headers: Record<string, string> = {
    'idempotency-key': ctx.key,
    'x-hazwatch-delivery': ctx.key,
    'x-hazwatch-attempt': String(ctx.attempt),
    'x-hazwatch-timestamp': timestamp,
  };
  if (channel.secretEnv !== undefined) {
    headers['x-hazwatch-signature'] = webhookSignature(needSecret(ctx, channel.secretEnv, `secretEnv of channel ${channel.id}`), timestamp, body);
  }
  return byStatus(await postJson(channel.url, body, headers, ctx.timeoutMs));
};
