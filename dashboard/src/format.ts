import type { Translate } from './i18n/lang.ts';
import type { Lang } from './i18n/strings.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** A duration for people reading it at a glance: "45秒", "12分05秒", "2小时03分", "3天4小时". */
export function formatDuration(ms: number, t: Translate): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('time.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('time.minutes', { m, s: pad(s % 60) });
  const h = Math.floor(m / 60);
  if (h < 24) return t('time.hours', { h, m: pad(m % 60) });
  return t('time.days', { d: Math.floor(h / 24), h: h % 24 });
}

export function formatAge(ms: number, t: Translate): string {
  return t('time.ago', { d: formatDuration(ms, t) });
}

/** Clock time in the browser's zone (the control room's), with the date when it is not today. */
export function formatTime(iso: string, lang: Lang, now: number): string {
  const d = new Date(iso);
  const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
  const time = d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (new Date(now).toDateString() === d.toDateString()) return time;
  return `${d.toLocaleDateString(locale, { month: '2-digit', day: '2-digit' })} ${time}`;
}

/** Kilograms with at most one decimal: scales report 180.5 kg; more digits only add noise on a wall. */
export function formatKg(kg: number): string {
  return Number.isInteger(kg) ? String(kg) : kg.toFixed(1);
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
