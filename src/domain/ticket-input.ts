// The input of decide() (SPEC §3 "Action bodies") and its one validator: the action's schema from
// action-bodies.ts, then the rules that need the ticket or the actor, so that workers and other
// callers cannot bypass them. Every problem is reported with its field path, in Chinese.

import { DomainError, type ErrorDetail } from './errors.js';
import { z } from 'zod';
import { ACTION_BODIES, type ActionBody, type ActionName } from './action-bodies.js';
import { issuesToDetails } from './zod-zh.js';
import { parseTicketNo } from './ticket-number.js';
import {
  pendingCoHandlers,
  REACHED_SATISFACTIONS,
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

/** The body shape of each action; a follow-up may also carry the sweeper's own `no_response`. */
function bodySchema(action: ActionName) {
  return action === 'record_followup' ? ACTION_BODIES.record_followup.extend({ satisfaction: z.enum(SATISFACTIONS) }) : ACTION_BODIES[action];
}

/**
 * Throws VALIDATION_FAILED naming every bad field; otherwise returns normally. Shapes are the
 * action's schema (action-bodies.ts, the one the API and pages answer with); the rules below are
 * the ones that need the ticket or the actor.
 */
export function validateInput(ticket: TicketState, input: ActionInput, actor: Actor): void {
  if (!(input.action in ACTION_BODIES)) {
    throw new DomainError('VALIDATION_FAILED', undefined, [{ path: 'action', message: '未知的操作' }]);
  }
  const { action, ...body } = input;
  const parsed = bodySchema(action).safeParse(body);
  const details: ErrorDetail[] = parsed.success ? [] : issuesToDetails(parsed.error.issues);
  const fail = (path: string, message: string) => {
    if (!details.some((d) => d.path === path)) details.push({ path, message });
  };
  switch (input.action) {
    case 'assign': {
      // SPEC §18: co-handling departments besides the lead, each once, none already co-handling.
      const active = new Set((ticket.coHandlers ?? []).map((c) => c.departmentCode));
      if (pendingCoHandlers(ticket).some((c) => c.departmentCode === input.departmentCode)) fail('departmentCode', '该单位是本工单的协办单位，不能同时主办');
      (input.coDepartmentCodes ?? []).forEach((code, i) => {
        if (code === input.departmentCode) fail(`coDepartmentCodes.${i}`, '协办单位不能与主办单位相同');
        else if (active.has(code)) fail(`coDepartmentCodes.${i}`, '该单位已是本工单的协办单位');
        else if ((input.coDepartmentCodes ?? []).indexOf(code) !== i) fail(`coDepartmentCodes.${i}`, '协办单位重复');
      });
      break;
    }
    case 'waive_cohandling':
      if (!pendingCoHandlers(ticket).some((c) => c.departmentCode === input.departmentCode)) {
        fail('departmentCode', '该单位不是待反馈的协办单位');
      }
      break;
    case 'decide_return':
      if (input.accept === true) {
        if (!input.departmentCode) fail('departmentCode', '必填，不能为空');
        else if (input.departmentCode === ticket.departmentCode) fail('departmentCode', '同意退单时须改派到其他单位');
        else if (pendingCoHandlers(ticket).some((c) => c.departmentCode === input.departmentCode)) fail('departmentCode', '该单位是本工单的协办单位，不能同时主办');
      } else if (input.accept === false && input.departmentCode && input.departmentCode !== ticket.departmentCode) {
        fail('departmentCode', '不同意退单时工单退回原单位，不能指定其他单位');
      }
      break;
    case 'record_followup': {
      // `no_response` is only the sweeper's verdict (7 days without follow-up); `unreachable` is
      // what staff record when they could not reach the resident; a resident rating for themselves
      // must pick one of the five levels.
      const allowed: readonly string[] =
        actor.kind === 'system' ? ['no_response'] : actor.kind === 'resident' ? REACHED_SATISFACTIONS : SATISFACTIONS.filter((s) => s !== 'no_response');
      if (!allowed.includes(input.satisfaction)) fail('satisfaction', `取值必须是：${allowed.join('、')}`);
      break;
    }
    case 'merge': {
      const target = typeof input.intoTicketNo === 'string' ? parseTicketNo(input.intoTicketNo) : null;
      if (!target || !target.ok) fail('intoTicketNo', '工单号格式或校验位不正确');
      else if (target.ticketNo === ticket.ticketNo) fail('intoTicketNo', '不能并入工单本身');
      break;
    }
    case 'reopen':
      if (ticket.departmentCode === null && !input.departmentCode) fail('departmentCode', '必填，不能为空');
      break;
  }
  if (details.length > 0) throw new DomainError('VALIDATION_FAILED', undefined, details);
}

/** Text as stored: trimmed, and null when blank. */
export function clean(v: string | null | undefined): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}
