// Action bodies (SPEC §3 "Action bodies") and their business validation. The route's zod schema
// already strips unknown fields and checks shapes; this re-checks what the lifecycle relies on
// (required reasons, ranges, who may use which satisfaction value) so that workers and other
// callers cannot bypass it. Every problem is reported with its field path, in Chinese.

import { DomainError, type ErrorDetail } from './errors.js';
import type { ActionBody, ActionName } from './action-bodies.js';
import { parseTicketNo } from './ticket-number.js';
import {
  REACHED_SATISFACTIONS,
  REPLY_RESULTS,
  RETURN_REASON_CODES,
  SATISFACTIONS,
  type Actor,
  type Satisfaction,
  type TicketState,
} from './ticket-rules.js';

type SchemaInputs = { [A in ActionName]: { action: A } & ActionBody<A> };

/**
 * An action and its body, derived from the one schema per action (action-bodies.ts). A follow-up
 * may also carry the sweeper's `no_response`, which no schema accepts from a person.
 * (`reopen` needs `departmentCode` only when the ticket has none, e.g. rejected before assignment.)
 */
export type ActionInput =
  | Exclude<SchemaInputs[ActionName], { action: 'record_followup' }>
  | (Omit<SchemaInputs['record_followup'], 'satisfaction'> & { satisfaction: Satisfaction });

export const MAX_TEXT = 2000;
export const MAX_SUMMARY = 200;
export const MAX_EXTENSION_DAYS = 30;
const CODE_RE = /^[a-z0-9_-]{1,64}$/;

class Checker {
  readonly details: ErrorDetail[] = [];
  private add(path: string, message: string): void {
    this.details.push({ path, message });
  }
  text(path: string, v: unknown, max = MAX_TEXT): void {
    if (typeof v !== 'string' || v.trim() === '') this.add(path, '必填，不能为空');
    else if (v.length > max) this.add(path, `不能超过${max}个字符`);
  }
  optionalText(path: string, v: unknown, max = MAX_TEXT): void {
    if (v === undefined || v === null) return;
    if (typeof v !== 'string') this.add(path, '必须是文字');
    else if (v.length > max) this.add(path, `不能超过${max}个字符`);
  }
  bool(path: string, v: unknown): void {
    if (typeof v !== 'boolean') this.add(path, '必须是 true 或 false');
  }
  oneOf(path: string, v: unknown, allowed: readonly string[]): void {
    if (typeof v !== 'string' || !allowed.includes(v)) {
      this.add(path, `取值必须是：${allowed.join('、')}`);
    }
  }
  code(path: string, v: unknown, required: boolean): void {
    if (v === undefined || v === null) {
      if (required) this.add(path, '必填，不能为空');
      return;
    }
    if (typeof v !== 'string' || !CODE_RE.test(v)) {
      this.add(path, '编码只能包含小写字母、数字、“-”和“_”');
    }
  }
  fail(path: string, message: string): void {
    this.add(path, message);
  }
}

/** Throws VALIDATION_FAILED naming every bad field; otherwise returns normally. */
export function validateInput(ticket: TicketState, input: ActionInput, actor: Actor): void {
  const c = new Checker();
  const i = input as ActionInput & Record<string, unknown>;
  switch (input.action) {
    case 'assign':
      c.code('departmentCode', i.departmentCode, true);
      c.code('categoryCode', i.categoryCode, false);
      break;
    case 'accept':
      c.optionalText('note', i.note);
      break;
    case 'return':
      c.oneOf('reasonCode', i.reasonCode, RETURN_REASON_CODES);
      c.text('reason', i.reason);
      break;
    case 'decide_return':
      c.bool('accept', i.accept);
      c.optionalText('note', i.note);
      if (input.accept === true) {
        c.code('departmentCode', i.departmentCode, true);
        if (input.departmentCode && input.departmentCode === ticket.departmentCode) {
          c.fail('departmentCode', '同意退单时须改派到其他单位');
        }
      } else if (input.accept === false) {
        c.code('departmentCode', i.departmentCode, false);
        if (input.departmentCode && input.departmentCode !== ticket.departmentCode) {
          c.fail('departmentCode', '不同意退单时工单退回原单位，不能指定其他单位');
        }
      }
      break;
    case 'request_extension':
      if (
        !Number.isInteger(input.workingDays) ||
        input.workingDays < 1 ||
        input.workingDays > MAX_EXTENSION_DAYS
      ) {
        c.fail('workingDays', `延期天数须为1至${MAX_EXTENSION_DAYS}个工作日的整数`);
      }
      c.text('reason', i.reason);
      break;
    case 'decide_extension':
      c.bool('approve', i.approve);
      c.optionalText('note', i.note);
      break;
    case 'reply':
      c.text('reply', i.reply);
      c.oneOf('result', i.result, REPLY_RESULTS);
      c.optionalText('publicSummary', i.publicSummary, MAX_SUMMARY);
      break;
    case 'record_followup':
      validateFollowup(c, i, actor);
      break;
    case 'reject':
      c.text('reason', i.reason);
      break;
    case 'merge': {
      const parsed = typeof i.intoTicketNo === 'string' ? parseTicketNo(i.intoTicketNo) : null;
      if (!parsed || !parsed.ok) c.fail('intoTicketNo', '工单号格式或校验位不正确');
      else if (parsed.ticketNo === ticket.ticketNo) c.fail('intoTicketNo', '不能并入工单本身');
      break;
    }
    case 'reopen':
      c.text('reason', i.reason);
      c.code('departmentCode', i.departmentCode, ticket.departmentCode === null);
      break;
    case 'comment':
      c.text('note', i.note);
      c.bool('public', i.public);
      break;
    case 'instruct':
      c.text('note', i.note);
      break;
    default:
      c.fail('action', '未知的操作');
  }
  if (c.details.length > 0) throw new DomainError('VALIDATION_FAILED', undefined, c.details);
}

/**
 * `no_response` is only the sweeper's verdict (7 days without follow-up); `unreachable` is what
 * staff record when they could not reach the resident; a resident rating for themselves must
 * pick one of the five levels.
 */
function validateFollowup(c: Checker, i: Record<string, unknown>, actor: Actor): void {
  c.bool('resolved', i.resolved);
  c.optionalText('note', i.note);
  const allowed: readonly string[] =
    actor.kind === 'system'
      ? ['no_response']
      : actor.kind === 'resident'
        ? REACHED_SATISFACTIONS
        : SATISFACTIONS.filter((s) => s !== 'no_response');
  c.oneOf('satisfaction', i.satisfaction, allowed);
}

/** Text as stored: trimmed, and null when blank. */
export function clean(v: string | null | undefined): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}
