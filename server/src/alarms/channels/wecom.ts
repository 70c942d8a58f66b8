import type { Channel } from '@hazwatch/protocols';
import { byRobotCode, postJson } from './http.ts';
import { needSecret, type ChannelSender } from './types.ts';

type Wecom = Extract<Channel, { kind: 'wecom' }>;

// WeCom group robot: markdown content is limited to 4096 bytes (UTF-8).
const MAX_BYTES = 4096;
// -1 system busy, 45009 API frequency limit (20 messages a minute per robot).
const BUSY = [-1, 45009];

export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (bytes + b > maxBytes - 3) break;
    out += ch;
    bytes += b;
  }
  return `${out}…`;
}

/** POST {baseUrl}/cgi-bin/webhook/send?key=KEY with a `markdown` message; accepted when `errcode` is 0. */
export const sendWecom: ChannelSender<Wecom> = async (channel, message, ctx) => {
  const key = needSecret(ctx, channel.keyEnv, `keyEnv of channel ${channel.id}`);
  const url = new URL('/cgi-bin/webhook/send', channel.baseUrl);
  url.searchParams.set('key', key);
  const mentions = channel.mentionMobiles.length ? `\n${channel.mentionMobiles.map((m) => `<@${m}>`).join(' ')}` : '';
  const body = JSON.stringify({ msgtype: 'markdown', markdown: { content: truncateUtf8(message.markdown + mentions, MAX_BYTES) } });
  return byRobotCode(await postJson(url.toString(), body, {}, ctx.timeoutMs), ['errcode'], BUSY);
};
