import { createHmac } from 'node:crypto';
import type { Channel } from '@hazwatch/protocols';
import { byRobotCode, postJson } from './http.ts';
import { needSecret, type ChannelSender } from './types.ts';

type Feishu = Extract<Channel, { kind: 'feishu' }>;

// 9499 and 11232: frequency limits.
const BUSY = [9499, 11232];

/** 签名校验: base64 of HMAC-SHA256 keyed by `${timestamp}\n${secret}` over an empty message, timestamp in seconds. */
export function feishuSign(secret: string, timestampSeconds: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/** POST {baseUrl}/open-apis/bot/v2/hook/{token} with a `text` message; accepted when `code` (or `StatusCode`) is 0. */
export const sendFeishu: ChannelSender<Feishu> = async (channel, message, ctx) => {
  const token = needSecret(ctx, channel.hookTokenEnv, `hookTokenEnv of channel ${channel.id}`);
  const url = new URL(`/open-apis/bot/v2/hook/${encodeURIComponent(token)}`, channel.baseUrl);
  const signed: Record<string, string> = {};
  if (channel.secretEnv !== undefined) {
    const timestamp = String(Math.floor(ctx.now() / 1000));
    signed.timestamp = timestamp;
    signed.sign = feishuSign(needSecret(ctx, channel.secretEnv, `secretEnv of channel ${channel.id}`), timestamp);
  }
  const body = JSON.stringify({ ...signed, msg_type: 'text', content: { text: `${message.title}\n${message.text}` } });
  return byRobotCode(await postJson(url.toString(), body, {}, ctx.timeoutMs), ['code', 'StatusCode'], BUSY);
};
