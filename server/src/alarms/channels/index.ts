import type { Channel } from '@hazwatch/protocols';
import type { Message } from '../messages.ts';
import { sendDingtalk } from './dingtalk.ts';
import { sendEmail } from './email.ts';
import { sendFeishu } from './feishu.ts';
import { sendSms } from './sms.ts';
import { MissingSecret, type SendContext, type SendResult } from './types.ts';
import { sendWebhook } from './webhook.ts';
import { sendWecom } from './wecom.ts';

export type { SendContext, SendResult } from './types.ts';

/** Sends one message through one channel; never throws (a failure is a receipt). */
export async function sendVia(channel: Channel, message: Message, ctx: SendContext): Promise<SendResult> {
  try {
    switch (channel.kind) {
      case 'webhook':
        return await sendWebhook(channel, message, ctx);
      case 'wecom':
        return await sendWecom(channel, message, ctx);
      case 'dingtalk':
        return await sendDingtalk(channel, message, ctx);
      case 'feishu':
        return await sendFeishu(channel, message, ctx);
      case 'email':
        return await sendEmail(channel, message, ctx);
      case 'sms':
        return await sendSms(channel, message, ctx);
    }
  } catch (err) {
    return { ok: false, status: null, response: null, error: (err as Error).message, permanent: err instanceof MissingSecret };
  }
}
