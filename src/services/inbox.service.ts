// GET /inbox: the caller's work, by role — tickets awaiting their action and the reminders and
// notices addressed to them.
import * as inbox from '../db/inbox.repository.js';
import type { TicketRow } from '../db/tickets.repository.js';
import { allowedActions } from '../domain/ticket.js';
import { domainActor, ticketState, type StaffIdentity } from './tickets.query.service.js';
import { staffTicketView } from './ticket-view.js';
import type { ServiceDeps } from './deps.js';

const STAFF_TEMPLATE_LABELS: Record<string, string> = {
  assigned: '新转办工单，请及时签收',
  returned: '有工单被退回，待审核',
  extension_requested: '有延期申请，待审批',
  extension_refused: '延期申请未获批准',
  reopened: '工单重办，请重新办理',
  instructed: '领导批示',
  escalation_warning: '预警：工单即将到期，请抓紧办理（催办）',
  escalation_overdue: '逾期：工单已超过办理期限（催办通知）',
  escalation_escalated: '督办：工单逾期3个工作日以上',
  escalation_summons: '约谈：工单严重逾期或二次重办',
};

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
  });
  const actor = domainActor(staff);
  const now = deps.clock.now();
  return {
    tasks: [...byNo.values()]
      .map((t) => ({ ...staffTicketView(t), allowedActions: allowedActions(ticketState(t), actor, now) }))
      .filter((t) => t.allowedActions.some((a) => a !== 'comment' && a !== 'instruct')),
    notifications: notices.map((n) => ({
      ticketNo: n.ticketNo,
      template: n.template,
      message: STAFF_TEMPLATE_LABELS[n.template] ?? n.template,
      audience: n.audience,
      createdAt: n.createdAt.toISOString(),
    })),
  };
}
