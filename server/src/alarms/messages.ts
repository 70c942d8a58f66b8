import { ALARM_LEVEL_ZH, ALARM_REASON_ZH, ALARM_TYPE_ZH, type AlarmRecord, type SiteConfig } from '@hazwatch/protocols';
import type { NotificationReason } from './outbox.ts';

/**
 * One outgoing message, rendered when its delivery is created and stored with it, so every retry
 * (and a fallback channel) sends exactly the same words.
 */
export type Message = {
  title: string;
  /** Plain text, one line per notification. */
  text: string;
  /** The same for robots that render Markdown (WeCom, DingTalk). */
  markdown: string;
  /** What a machine receiver (webhook) gets: each notification with the record as of its transition. */
  /** `at`: when the notification was issued (for a transition, when it was recorded). */
  notifications: { reason: NotificationReason; eventSeq: number | null; at: string; alarm: AlarmRecord }[];
};

// The words on the operators' screens (DOMAIN.md), shared with the reports.
export const TYPE_ZH: Record<string, string> = ALARM_TYPE_ZH;
const REASON_ZH: Record<string, string> = ALARM_REASON_ZH;
const LEVEL_ZH: Record<string, string> = ALARM_LEVEL_ZH;
const UNIT: Record<string, string> = { 'over-staffing': '人', 'over-quantity': 'kg' };

function what(reason: NotificationReason, a: AlarmRecord): string {
  switch (reason) {
    case 'raised':
      return a.late ? '发生（补报）' : '发生';
    case 'escalated':
      return '升级为报警';
    case 'tier':
      return (a.escalationTier ?? 0) >= 2 ? '超时未确认，已上报主要负责人及监管部门' : '超时未确认，已上报上一级';
    case 'acknowledged':
      return `已确认（${a.acknowledgedBy ?? ''}）`;
    case 'cleared':
      return '已解除';
    case 'closed':
      return `已闭环（${a.closedBy ?? ''}）`;
    case 'reminder':
      return '仍未确认（提醒）';
  }
}

function localTime(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('zh-CN', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/** The subject in names an operator knows: enterprise, workshop or line, and who or what within it. */
export function describeSubject(a: AlarmRecord, site: SiteConfig | undefined): { enterprise: string; subject: string; timeZone: string } {
  const ent = site?.enterprises.find((e) => e.id === a.enterpriseId);
  const s = a.subject;
  const parts: string[] = [];
  if (s.workshopId) parts.push(ent?.workshops.find((w) => w.id === s.workshopId)?.name ?? s.workshopId);
  if (s.lineId) parts.push(ent?.lines.find((l) => l.id === s.lineId)?.name ?? s.lineId);
  if (s.gatewayId) parts.push(`网关 ${s.gatewayId}`);
  if (s.personId) parts.push(`人员 ${s.personId}`);
  if (s.product) parts.push(`产品 ${s.product}`);
  if (s.channel) parts.push(`通道 ${s.channel}`);
  return { enterprise: ent?.name ?? a.enterpriseId, subject: parts.join(' / ') || '—', timeZone: ent?.timezone ?? 'Asia/Shanghai' };
}

function line(n: Message['notifications'][number], site: SiteConfig | undefined): { text: string; short: string } {
  const a = n.alarm;
  const d = describeSubject(a, site);
  const type = `${TYPE_ZH[a.type] ?? a.type}${a.reason ? `（${REASON_ZH[a.reason] ?? a.reason}）` : ''}`;
  const unit = UNIT[a.type] ?? '';
  const value = a.value !== null && a.limit !== null ? ` · ${a.peak ?? a.value}${unit} / 限 ${a.limit}${unit}` : '';
  const at = localTime(a.raisedAt, d.timeZone);
  const short = `【${LEVEL_ZH[a.level] ?? a.level}】${type} · ${d.subject} · ${what(n.reason, a)}`;
  return { short, text: `${short} · ${d.enterprise}${value} · ${at} · ${a.id}` };
}

export function renderMessage(notifications: Message['notifications'], site: SiteConfig | undefined): Message {
  const lines = notifications.map((n) => line(n, site));
  const title = lines.length === 1 ? lines[0]!.short : `hazwatch：${lines.length} 条报警通知`;
  return {
    title,
    text: lines.map((l) => l.text).join('\n'),
    markdown: [`### ${title}`, ...lines.map((l) => `- ${l.text}`)].join('\n'),
    notifications,
  };
}
