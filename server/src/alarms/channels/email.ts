import type { Channel } from '@hazwatch/protocols';
import { needSecret, type ChannelSender } from './types.ts';

type Email = Extract<Channel, { kind: 'email' }>;

/**
 * E-mail over SMTP with nodemailer. The Message-ID is the delivery's key, so a message sent again
 * after an unknown outcome is recognisably the same one. SMTP 5xx is permanent, 4xx and network
 * failures may pass on a retry.
 */
export const sendEmail: ChannelSender<Email> = async (channel, message, ctx) => {
  const { smtp } = channel;
  const pass = smtp.passwordEnv !== undefined ? needSecret(ctx, smtp.passwordEnv, `smtp.passwordEnv of channel ${channel.id}`) : undefined;
  // Loaded with the first e-mail, not at start: ~650 kB of source that V8 keeps in the heap for the
  // life of the process, in every server whether or not a site has an e-mail channel.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: pass ?? '' } } : {}),
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
  });
  try {
    const info = await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: message.title,
      text: message.text,
      messageId: `<${ctx.key}@hazwatch>`,
      headers: { 'X-Hazwatch-Delivery': ctx.key },
    });
    if (info.rejected.length > 0) return { ok: false, status: null, response: info.response ?? null, error: `rejected recipients: ${info.rejected.join(', ')}`, permanent: true };
    return { ok: true, status: null, response: info.response ?? null, error: null };
  } catch (err) {
    const e = err as Error & { responseCode?: number; response?: string; code?: string };
    const code = e.responseCode;
    return { ok: false, status: code ?? null, response: e.response ?? null, error: `SMTP: ${e.code ? `${e.code} ` : ''}${e.message}`, permanent: code !== undefined && code >= 500 };
  } finally {
    transport.close();
  }
};
