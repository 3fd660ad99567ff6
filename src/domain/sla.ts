// The SLA policy document (SPEC §7) and which limit applies to a ticket.
import type { Duration } from './calendar.js';

export const KINDS = ['consult', 'help', 'suggest', 'complaint', 'report', 'emergency'] as const;
export type Kind = (typeof KINDS)[number];

export const CHANNELS = ['phone', 'wechat_group', 'walk_in', 'letter', 'web'] as const;
export type Channel = (typeof CHANNELS)[number];

export const KIND_LABELS: Record<Kind, string> = {
  consult: '咨询', help: '求助', suggest: '建议', complaint: '投诉', report: '举报', emergency: '紧急',
};
export const CHANNEL_LABELS: Record<Channel, string> = {
  phone: '电话', wechat_group: '微信群', walk_in: '现场', letter: '来信', web: '网上',
};

export interface Ladder {
  warningBefore: Duration;
  escalatedAfter: Duration;
  summonsAfter: Duration;
}

export interface SlaPolicy {
  kinds: Record<Kind, { signOff: Duration; resolve: Duration }>;
  followUp: Duration;
  ladders: { signOff: Ladder; resolve: Ladder };
  /** How long before the lead's due instant a co-handling answer is due (SPEC §18; default 3 working days). */
  coHandleBefore?: Duration;
}

export const DEFAULT_CO_HANDLE_BEFORE: Duration = { amount: 3, unit: 'working_days' };

export function coHandleBefore(policy: SlaPolicy): Duration {
  return policy.coHandleBefore ?? DEFAULT_CO_HANDLE_BEFORE;
}

export interface CategoryLimits {
  resolveWithin: Duration | null;
  signOffWithin: Duration | null;
}

/** The resolve limit: the category's override if it has one, else the kind's default. */
export function resolveLimit(policy: SlaPolicy, kind: Kind, category: CategoryLimits | null): Duration {
  return category?.resolveWithin ?? policy.kinds[kind].resolve;
}

export function signOffLimit(policy: SlaPolicy, kind: Kind, category: CategoryLimits | null): Duration {
  return category?.signOffWithin ?? policy.kinds[kind].signOff;
}
