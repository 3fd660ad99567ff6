// What people read for the lifecycle's codes (SPEC §3 labels), in one place per surface.

import type {
  EventType,
  Outcome,
  ReturnReasonCode,
  Satisfaction,
  ScreeningCategory,
  TicketAction,
  TicketSource,
  TicketStatus,
} from './ticket-rules.js';

export const STATUS_LABELS: Record<TicketStatus, string> = {
  registered: '已登记',
  assigned: '已转办（待签收）',
  in_progress: '办理中',
  returned: '已退回',
  replied: '已答复（待回访）',
  closed: '已办结',
  merged: '已并单',
};

export const OUTCOME_LABELS: Record<Outcome, string> = {
  resolved: '已解决',
  explained: '已解释说明',
  rejected: '不予受理',
  unresolvable: '暂无法解决',
  merged: '已并单',
};

export const SATISFACTION_LABELS: Record<Satisfaction, string> = {
  very_satisfied: '非常满意',
  satisfied: '满意',
  basically_satisfied: '基本满意',
  dissatisfied: '不满意',
  very_dissatisfied: '非常不满意',
  unreachable: '联系不上',
  no_response: '超期未回访',
};

export const ACTION_LABELS: Record<TicketAction, string> = {
  assign: '转办',
  accept: '签收',
  return: '退单',
  decide_return: '审核退单',
  request_extension: '申请延期',
  decide_extension: '审批延期',
  reply: '答复',
  record_followup: '回访',
  reject: '不予受理',
  merge: '并单',
  reopen: '重办',
  comment: '备注',
  instruct: '批示',
  request_pause: '申请中止计时',
  decide_pause: '审批中止计时',
  resume: '恢复计时',
  request_screening: '申请甄别',
  decide_screening: '审批甄别',
  report_up: '上报',
  submit_cohandling: '提交协办意见',
  waive_cohandling: '免除协办',
};

/** 甄别 categories (SPEC §18). */
export const SCREENING_LABELS: Record<ScreeningCategory, string> = {
  unreasonable: '不合理诉求',
  repeated: '重复诉求',
  outside_scope: '非职责范围',
  legal_process: '已进入法定程序',
  other: '其他',
};

export const RETURN_REASON_LABELS: Record<ReturnReasonCode, string> = {
  wrong_locality: '属地不符',
  wrong_function: '职能不符',
  unclear_ownership: '权属不清',
  other: '其他',
};

export const EVENT_TYPE_LABELS: Record<EventType, string> = {
  registered: '登记',
  assigned: '转办',
  accepted: '签收',
  returned: '退单',
  return_decided: '退单审核',
  extension_requested: '延期申请',
  extension_decided: '延期审批',
  replied: '答复',
  followed_up: '回访',
  reopened: '重办',
  rejected: '不予受理',
  merged: '并单',
  commented: '备注',
  instructed: '领导批示',
  closed: '办结',
  escalation: '督办',
  notified: '通知',
  pause_requested: '中止计时申请',
  pause_decided: '中止计时',
  resumed: '恢复计时',
  screening_requested: '甄别申请',
  screening_decided: '甄别审批',
  reported_up: '上报',
  deadline_changed: '期限调整',
  cohandling_accepted: '协办签收',
  cohandling_submitted: '协办意见',
  cohandling_waived: '免除协办',
};

/** Where a ticket came from (SPEC §15), as staff read it. */
export const SOURCE_LABELS: Record<TicketSource, string> = {
  local: '本地登记',
  hotline_12345: '12345热线',
  open311: 'Open311',
  wechat: '微信',
  import: '台账导入',
};
