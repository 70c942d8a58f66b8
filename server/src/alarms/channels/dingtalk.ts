import { createHmac } from 'node:crypto';
import type { Channel } from '@hazwatch/protocols';
import { byRobotCode, postJson } from './http.ts';
import { needSecret, type ChannelSender } from './types.ts';

type Dingtalk = Extract<Channel, { kind: 'dingtalk' }>;

// -1 system busy, 130101 sending too fast (20 messages a minute per robot).
const BUSY = [-1, 130101];

/** 加签: base64 of HMAC-SHA256 keyed by the secret over `${timestamp}\n${secret}`, timestamp in ms. */
export function dingtalkSign(secret: string, timestampMs: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** POST {baseUrl}/robot/send?access_token=…[&timestamp=…&sign=…] with a `markdown` message; accepted when `errcode` is 0. */
export const sendDingtalk: ChannelSender<Dingtalk> = async (channel, message, ctx) => {
  const token = needSecret(ctx, channel.accessTokenEnv, `accessTokenEnv of channel ${channel.id}`);
  const url = new URL('/robot/send', channel.baseUrl);
  url.searchParams.set('access_token', token);
  if (channel.secretEnv !== undefined) {
    const secret = needSecret(ctx, channel.secretEnv, `secretEnv of channel ${channel.id}`);
    const timestamp = String(ctx.now());
    url.searchParams.set('timestamp', timestamp);
    // URLSearchParams percent-encodes the base64 (+, /, =), as the robot expects.
    url.searchParams.set('sign', dingtalkSign(secret, timestamp));
  }
  const mentions = channel.atMobiles.length ? `\n\n${channel.atMobiles.map((m) => `@${m}`).join(' ')}` : '';
  const body = JSON.stringify({
    msgtype: 'markdown',
    markdown: { title: message.title, text: message.markdown + mentions },
    at: { atMobiles: channel.atMobiles, isAtAll: false },
  });
  return byRobotCode(await postJson(url.toString(), body, {}, ctx.timeoutMs), ['errcode'], BUSY);
};
