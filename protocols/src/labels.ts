import type { AlarmLevel, AlarmReason, AlarmType } from './alarm.ts';

// The words on operators' and regulators' screens and messages (DOMAIN.md), one place for all of them.

export const ALARM_TYPE_ZH: Record<AlarmType, string> = {
  'over-staffing': '超员',
  'over-quantity': '超量',
  'over-time': '超时',
  'over-production': '超产',
  'sensor-fault': '传感器故障',
  'gateway-offline': '网关离线',
  'notification-failed': '通知失败',
  'spool-near-full': '缓存将满',
};

export const ALARM_REASON_ZH: Record<AlarmReason, string> = {
  'outside-hours': '非作业时间',
  dwell: '停留超时',
  'closed-day': '停产日',
  year: '年度',
  day: '当日',
  unlicensed: '未许可产品',
  'headcount-unknown': '人数未知',
  'quantity-unknown': '药量未知',
};

export const ALARM_LEVEL_ZH: Record<AlarmLevel, string> = { warning: '预警', alarm: '报警' };
