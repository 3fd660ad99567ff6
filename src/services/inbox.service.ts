// GET /inbox: the caller's work, by role — tickets awaiting their action and the reminders and
// notices addressed to them.
import { NOTE_ACTIONS } from '../domain/ticket.js';
import * as inbox from '../db/inbox.repository.js';
import type { TicketRow } from '../db/tickets.repository.js';
import { allowedActions } from '../domain/ticket.js';
import { domainActor, ticketState, type StaffIdentity } from './tickets.query.service.js';
import { staffTicketView } from './ticket-view.js';
import type { ServiceDeps } from './deps.js';
import { getPolicy } from './policy.service.js';
import { escalationMessage, LEVELS, type Level } from '../domain/deadlines.js';
import type { SlaPolicy } from '../domain/sla.js';

const STAFF_TEMPLATE_LABELS: Record<string, string> = {
  assigned: '新转办工单，请及时签收',
  returned: '有工单被退回，待审核',
  extension_requested: '有延期申请，待审批',
  extension_refused: '延期申请未获批准',
  reopened: '工单重办，请重新办理',
  instructed: '领导批示',
  pause_requested: '有中止计时申请，待审批',
  pause_decided: '中止计时申请已审批',
  screening_requested: '有甄别申请，待审批',
  screening_decided: '甄别申请已审批',
  reported_up: '工单已上报',
  cohandling_assigned: '新协办工单，请签收并在协办期限前反馈意见',
  cohandling_submitted: '协办单位已反馈意见',
};

/** The inbox line of a notification; escalation steps are worded from the ladder in force. */
function messageOf(n: inbox.StaffNotificationRow, ladders: SlaPolicy['ladders']): string {
  const level = n.template.startsWith('escalation_') ? (n.template.slice('escalation_'.length) as Level) : null;
  if (level && LEVELS.includes(level)) return escalationMessage(level, n.deadline, ladders);
  return STAFF_TEMPLATE_LABELS[n.template] ?? n.template;
}

export async function inboxFor(deps: ServiceDeps, staff: StaffIdentity) {
  const roles = new Set(staff.roles);
  const byNo = new Map<string, TicketRow>();
  const add = (rows: TicketRow[]) => rows.forEach((r) => byNo.set(r.ticketNo, r));
  if (roles.has('handler') && staff.departmentCode) add(await inbox.departmentWork(deps.db, staff.departmentCode));
  if (roles.has('supervisor')) add(await inbox.supervisorWork(deps.db, deps.clock.now()));
  if (roles.has('clerk') || roles.has('supervisor')) add(await inbox.clerkWork(deps.db));
  const audiences = [
    ...(roles.has('supervisor') ? ['supervisors'] : []),
    ...(roles.has('leader') ? ['leaders'] : []),
  ];
  const notices = await inbox.staffNotificationsFor(deps.db, {
    departmentCode: roles.has('handler') ? staff.departmentCode : null,
    audiences,
    now: deps.clock.now(),
  });
  const actor = domainActor(staff);
  const now = deps.clock.now();
  const { policy } = await getPolicy(deps);
  return {
    tasks: [...byNo.values()]
      .map((t) => ({ ...staffTicketView(t), allowedActions: allowedActions(ticketState(t), actor, now) }))
      .filter((t) => t.allowedActions.some((a) => !NOTE_ACTIONS.includes(a))),
    notifications: notices.map((n) => ({
      ticketNo: n.ticketNo,
      template: n.template,
      message: messageOf(n, policy.ladders),
      deadline: n.deadline,
      audience: n.audience,
      createdAt: n.createdAt.toISOString(),
    })),
  };
}
