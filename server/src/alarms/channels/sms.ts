import type { Channel } from '@hazwatch/protocols';
import { byStatus, postJson } from './http.ts';
import { needSecret, type ChannelSender } from './types.ts';

type Sms = Extract<Channel, { kind: 'sms' }>;

// A text message carries little: the title line only (it names level, type, place and transition).
const MAX_CHARS = 280;

/** An SMS gateway over HTTP: POST `{ to, text, requestId }`, bearer token from the environment; 2xx accepted. */
export const sendSms: ChannelSender<Sms> = async (channel, message, ctx) => {
  const headers: Record<string, string> = { 'idempotency-key': ctx.key };
  if (channel.tokenEnv !== undefined) headers.authorization = `Bearer ${needSecret(ctx, channel.tokenEnv, `tokenEnv of channel ${channel.id}`)}`;
  const text = message.notifications.length === 1 ? message.title : `${message.title}：${message.notifications.map((n) => n.alarm.id).join(', ')}`;
  const body = JSON.stringify({ to: channel.to, text: text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text, requestId: ctx.key });
  return byStatus(await postJson(channel.url, body, headers, ctx.timeoutMs));
};
