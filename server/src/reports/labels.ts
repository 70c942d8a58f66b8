
// The words on a regulator's page (DOMAIN.md), Chinese first, with the contract's English code beside.

export { ALARM_TYPE_ZH as TYPE_ZH, ALARM_REASON_ZH as REASON_ZH, ALARM_LEVEL_ZH as LEVEL_ZH } from '@hazwatch/protocols';

export const STATE_ZH = { active: '未消除', 'awaiting-closure': '待闭环' } as const;

export const PERIOD_ZH = { month: '月报', quarter: '季报', year: '年报' } as const;
