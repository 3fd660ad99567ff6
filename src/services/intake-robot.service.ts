// The group robot's answer (SPEC §17): when the group a registered message came from has a robot
// webhook (WECOM_GROUP_ROBOTS, by ChatId), the registration's transaction writes the exact text
// (ticket number, lookup address, the sender's nickname masked) and a job due at the robot's next
// free slot — one post per ROBOT_SPACING_MS per webhook, so never past WeCom's 20 a minute. The
// worker posts it once: a delivered row is never posted again, whatever republishes its job.
import { maskNickname } from '../domain/masking.js';
import { formatTicketNo } from '../domain/ticket-number.js';
import { robotAnswerText } from '../domain/wechat-message.js';
import * as repo from '../db/intake-robot.repository.js';
import type { IntakeMessageRow } from '../db/intake.repository.js';
import type { Db } from '../db/tx.js';
import { jobs, type JobMessage } from '../queue/jobs.js';
import { lookupUrl } from './notify.service.js';
import type { ServiceDeps } from './deps.js';

/** 60 s / 20 messages: WeCom's limit per robot (error 130101 beyond). */
export const ROBOT_SPACING_MS = 3_000;
const LEASE_MS = 30_000;

/** The groups sharing the webhook of `group` (one robot, one schedule). */
function groupsOfRobot(robots: Record<string, string>, group: string): string[] {
  return Object.keys(robots).filter((g) => robots[g] === robots[group]);
}

/** In the registration's transaction: the robot's answer row and its paced job, if a robot serves the group. */
export async function robotAnswer(
  deps: ServiceDeps, tx: Db, ticket: { id: string; ticketNo: string }, messages: readonly IntakeMessageRow[], now: Date,
): Promise<JobMessage[]> {
  const robots = deps.config.WECOM_GROUP_ROBOTS;
  const from = messages.find((m) => m.groupId !== null && Object.hasOwn(robots, m.groupId));
  if (!from?.groupId) return [];
  const groups = groupsOfRobot(robots, from.groupId);
  const dueAt = await repo.nextRobotSlot(tx, groups.slice().sort()[0], groups, now, ROBOT_SPACING_MS);
  const body = robotAnswerText({
    township: deps.config.TOWNSHIP_NAME,
    ticketNoFormatted: formatTicketNo(ticket.ticketNo),
    lookupUrl: lookupUrl(deps.config.PUBLIC_BASE_URL, ticket.ticketNo),
    maskedSender: from.senderName ? maskNickname(from.senderName) : null,
  });
  const inserted = await repo.insertRobotDelivery(tx, { ticketId: ticket.id, robot: from.groupId, body, dueAt }, now);
  return inserted ? [jobs.intakeRobot(ticket.id, dueAt)] : [];
}

export type RobotResult = 'delivered' | 'already delivered' | 'not configured' | 'no such answer';

export async function deliverRobotAnswer(deps: ServiceDeps, ticketId: string): Promise<RobotResult> {
  const { row, held } = await repo.claimRobotDelivery(deps.db, ticketId, deps.clock.now(), LEASE_MS);
  if (!row) {
    if (held) throw new Error('another run is posting this answer; retrying later');
    return (await repo.robotDeliveryOf(deps.db, ticketId)) ? 'already delivered' : 'no such answer';
  }
  const url = deps.config.WECOM_GROUP_ROBOTS[row.robot];
  if (!url) {
    await repo.finishRobotDelivery(deps.db, ticketId, { status: 'not_configured', error: '该群的机器人已不在 WECOM_GROUP_ROBOTS 中' }, deps.clock.now());
    return 'not configured';
  }
  try {
    await deps.wecom(url, row.body);
  } catch (err) {
    // The webhook's key is in its URL: the error names neither.
    const error = (err instanceof Error ? err.message : 'network error').replace(/https?:\/\/\S+/g, '[webhook]').slice(0, 200);
    await repo.finishRobotDelivery(deps.db, ticketId, { status: 'retrying', error }, deps.clock.now());
    throw new Error(`group robot: ${error}`);
  }
  await repo.finishRobotDelivery(deps.db, ticketId, { status: 'delivered', error: null }, deps.clock.now());
  return 'delivered';
}

/** The robot's answer to a ticket as staff see it (the ticket page), or null when there is none. */
export async function robotAnswerView(deps: ServiceDeps, ticketId: string) {
  const d = await repo.robotDeliveryOf(deps.db, ticketId);
  if (!d) return null;
  return {
    status: d.status, attempts: d.attempts, lastError: d.lastError, text: d.body,
    dueAt: d.dueAt.toISOString(), deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}
