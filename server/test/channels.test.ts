// WeCom, DingTalk and Feishu robots, an SMS gateway and e-mail over SMTP: their message formats and
// signatures checked by loopback receivers written from the vendors' documentation, each failing once.
import { createHmac } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { activeAlarm, alertingSite, detail, reading, startAlertingServer, startReceiver } from './alerting-helpers.ts';
import { connectGateway, tempDir, waitFor } from './helpers.ts';

const SECRETS = {
  WECOM_KEY: 'wecom-key-693a91f6',
  DT_TOKEN: 'dt-token-1',
  DT_SECRET: 'SECdingtalk-secret',
  FS_TOKEN: 'fs-hook-token',
  FS_SECRET: 'feishu-secret',
  SMS_TOKEN: 'sms-bearer',
  SMTP_PASS: 'smtp-密码',
};

async function startSmtp(failFirst: number) {
  const messages: { raw: string; from: string; to: string[] }[] = [];
  let attempts = 0;
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alarm@plant.example' && auth.password === SECRETS.SMTP_PASS) cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        attempts++;
        const raw = Buffer.concat(chunks).toString('utf8');
        if (attempts <= failFirst) {
          const err = new Error('mailbox busy, try again later') as Error & { responseCode: number };
          err.responseCode = 451;
          return cb(err);
        }
        messages.push({ raw, from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    messages,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('notification channels', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('sends robot, SMS and e-mail messages in their documented formats and signatures, retrying once each; a missing secret is a dead letter at once', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const seen = new Map<string, number>();
    // Each endpoint refuses its first request the way the vendor does when busy.
    const rx = await startReceiver((_n, r) => {
      const path = new URL(r.url, 'http://x').pathname;
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      if (path === '/cgi-bin/webhook/send') return { status: 200, body: n === 1 ? '{"errcode":-1,"errmsg":"system busy"}' : '{"errcode":0,"errmsg":"ok"}' };
      if (path === '/robot/send') return { status: 200, body: n === 1 ? '{"errcode":130101,"errmsg":"send too fast"}' : '{"errcode":0,"errmsg":"ok"}' };
      if (path.startsWith('/open-apis/bot/v2/hook/')) return { status: 200, body: n === 1 ? '{"code":9499,"msg":"too many request"}' : '{"code":0,"msg":"success","data":{}}' };
      if (path === '/sms/send') return n === 1 ? { status: 503 } : { status: 200, body: '{"ok":true}' };
      return { status: 404 };
    });
    cleanups.push(() => rx.close());
    const smtp = await startSmtp(1);
    cleanups.push(() => smtp.close());

    const channels = [
      { id: 'wecom', kind: 'wecom', keyEnv: 'WECOM_KEY', baseUrl: rx.url, mentionMobiles: ['13800000001'] },
      { id: 'dingtalk', kind: 'dingtalk', accessTokenEnv: 'DT_TOKEN', secretEnv: 'DT_SECRET', baseUrl: rx.url, atMobiles: ['13800000002'] },
      { id: 'feishu', kind: 'feishu', hookTokenEnv: 'FS_TOKEN', secretEnv: 'FS_SECRET', baseUrl: rx.url },
      { id: 'sms', kind: 'sms', url: `${rx.url}/sms/send`, tokenEnv: 'SMS_TOKEN', to: ['+8613800000003'] },
      {
        id: 'mail', kind: 'email', from: 'hazwatch <alarm@plant.example>', to: ['safety@plant.example'],
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'alarm@plant.example', passwordEnv: 'SMTP_PASS' },
      },
      { id: 'unkeyed', kind: 'wecom', keyEnv: 'NOT_SET_ANYWHERE', baseUrl: rx.url },
    ];
    const file = alertingSite(
      tmp.dir,
      JSON.stringify({ reminderMinutes: 0, routes: [{ channels: channels.map((c) => c.id), types: ['over-staffing'] }] }),
      JSON.stringify({ channels, delivery: { groupSeconds: 0.05, retrySeconds: 0.1, maxAttempts: 4, timeoutSeconds: 5 } }),
    );
    const s = await startAlertingServer(tmp.dir, file, SECRETS);
    cleanups.push(() => s.close());
    const gw = await connectGateway(s.mqttUrl, 'gw-1');
    cleanups.push(() => gw.endAsync());
    await reading(gw, 'gw-1', { workshopId: 'ws-a', headcount: { total: 3 } });
    const alarm = await activeAlarm(s, (a) => a.type === 'over-staffing', 'the alarm');

    const d = await waitFor(async () => {
      const x = await detail(s, alarm.id);
      return x.deliveries.length === 6 && x.deliveries.every((y) => y.state !== 'pending') ? x : undefined;
    }, 'every channel done');
    const by = Object.fromEntries(d.deliveries.map((x) => [x.channel, x]));
    for (const c of ['wecom', 'dingtalk', 'feishu', 'sms', 'mail']) {
      expect(by[c], c).toMatchObject({ state: 'delivered', attempts: 2 });
      expect(by[c]!.receipts.map((r) => r.outcome), c).toEqual(['failed', 'accepted']);
    }
    // A secret that is not set cannot appear by retrying: dead at the first attempt, named in the receipt.
    expect(by.unkeyed).toMatchObject({ state: 'dead', attempts: 1 });
    expect(by.unkeyed!.receipts[0]!.error).toContain('NOT_SET_ANYWHERE');
    await activeAlarm(s, (a) => a.type === 'notification-failed' && a.subject.channel === 'unkeyed', 'the failure alarm of the unkeyed channel');

    const ok = (path: string) => rx.received.filter((r) => new URL(r.url, 'http://x').pathname.startsWith(path));

    // WeCom: the key in the query, a markdown message, mentions by mobile.
    const wecom = ok('/cgi-bin/webhook/send').filter((r) => new URL(r.url, 'http://x').searchParams.get('key') === SECRETS.WECOM_KEY);
    expect(wecom).toHaveLength(2);
    const wbody = JSON.parse(wecom[1]!.body) as { msgtype: string; markdown: { content: string } };
    expect(wbody.msgtype).toBe('markdown');
    expect(wbody.markdown.content).toContain('超员');
    expect(wbody.markdown.content).toContain('乳化工房');
    expect(wbody.markdown.content).toContain('<@13800000001>');

    // DingTalk 加签: sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), timestamp in ms.
    for (const r of ok('/robot/send')) {
      const q = new URL(r.url, 'http://x').searchParams;
      expect(q.get('access_token')).toBe(SECRETS.DT_TOKEN);
      const ts = q.get('timestamp')!;
      expect(Math.abs(Number(ts) - Date.now())).toBeLessThan(60 * 60_000);
      expect(q.get('sign')).toBe(createHmac('sha256', SECRETS.DT_SECRET).update(`${ts}\n${SECRETS.DT_SECRET}`).digest('base64'));
      const b = JSON.parse(r.body) as { msgtype: string; markdown: { title: string; text: string }; at: { atMobiles: string[] } };
      expect(b).toMatchObject({ msgtype: 'markdown', at: { atMobiles: ['13800000002'] } });
      expect(b.markdown.title).toContain('超员');
    }

    // Feishu 签名校验: sign = base64(HMAC-SHA256(key: timestamp + "\n" + secret, message: "")), timestamp in seconds.
    const feishu = ok(`/open-apis/bot/v2/hook/${SECRETS.FS_TOKEN}`);
    expect(feishu).toHaveLength(2);
    for (const r of feishu) {
      const b = JSON.parse(r.body) as { timestamp: string; sign: string; msg_type: string; content: { text: string } };
      expect(Math.abs(Number(b.timestamp) * 1000 - Date.now())).toBeLessThan(60 * 60_000);
      expect(b.sign).toBe(createHmac('sha256', `${b.timestamp}\n${SECRETS.FS_SECRET}`).update('').digest('base64'));
      expect(b.msg_type).toBe('text');
      expect(b.content.text).toContain('超员');
    }

    // The SMS gateway: bearer token, idempotency key, the phone numbers and a short text.
    const sms = ok('/sms/send');
    expect(sms.map((r) => r.headers.authorization)).toEqual([`Bearer ${SECRETS.SMS_TOKEN}`, `Bearer ${SECRETS.SMS_TOKEN}`]);
    expect(sms[0]!.headers['idempotency-key']).toBe(sms[1]!.headers['idempotency-key']);
    expect(JSON.parse(sms[1]!.body)).toMatchObject({ to: ['+8613800000003'], text: expect.stringContaining('超员'), requestId: by.sms!.key });

    // E-mail: authenticated, refused once with 451, then accepted; the Message-ID is the delivery's key.
    expect(smtp.attempts()).toBe(2);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]).toMatchObject({ from: 'alarm@plant.example', to: ['safety@plant.example'] });
    expect(smtp.messages[0]!.raw).toContain(`Message-ID: <${by.mail!.key}@hazwatch>`);
  });
});
