import type { AlarmLevel, AlarmReason, AlarmType } from '@hazwatch/protocols';

// The words on a regulator's page (DOMAIN.md), Chinese first, with the contract's English code beside.

export const TYPE_ZH: Record<AlarmType, string> = {
  'over-staffing': '超员',
  'over-quantity': '超量',
  'over-time': '超时',
  'over-production': '超产',
  'sensor-fault': '传感器故障',
  'gateway-offline': '网关离线',
  'notification-failed': '通知失败',
  'spool-near-full': '缓存将满',
};

export const REASON_ZH: Record<AlarmReason, string> = {
  'outside-hours': '非作业时间',
  dwell: '停留超时',
  'closed-day': '停产日',
  year: '年度',
  day: '当日',
  unlicensed: '未许可产品',
  'headcount-unknown': '人数未知',
  'quantity-unknown': '药量未知',
};

export const LEVEL_ZH: Record<AlarmLevel, string> = { warning: '预警', alarm: '报警' };

export const STATE_ZH = { active: '未消除', 'awaiting-closure': '待闭环' } as const;

export const PERIOD_ZH = { month: '月报', quarter: '季报', year: '年报' } as const;
