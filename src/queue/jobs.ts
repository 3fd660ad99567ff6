// Typed jobs: one constructor per queue, the only place that spells a job id or a delay. Each
// returns the outbox message a service writes in its transaction; the payload is checked against
// the queue's schema on the way in, and `parsePayload` checks it again on the way out (a row may
// have waited in the outbox across a deploy), so processors receive typed, validated payloads.
import { PAYLOADS, type Payload, type QueueName } from './names.js';
import { UnrecoverableError } from './backend.js';

/** An outbox row to be: the queue, its payload (ids only), a deterministic job id, when it is due. */
export interface JobMessage<Q extends QueueName = QueueName> {
  topic: Q;
  payload: Payload<Q>;
  jobId: string;
  /** Absent: due at once. */
  availableAt?: Date;
}

function message<Q extends QueueName>(topic: Q, payload: Payload<Q>, jobId: string, availableAt?: Date): JobMessage<Q> {
  return { topic, payload: PAYLOADS[topic].parse(payload) as Payload<Q>, jobId, ...(availableAt ? { availableAt } : {}) };
}

/** The days a resident has to rate a reply before it closes as `no_response` (SPEC §3); the followups job's delay. */
export const NO_RESPONSE_CLOSE_MS = 7 * 24 * 60 * 60 * 1000;

export const jobs = {
  /** Auto-assignment of a registered ticket by its category; once per ticket. */
  routing: (ticketId: string) => message('routing', { ticketId }, `route-${ticketId}`),

  /**
   * A resident SMS: once per (ticket, template, ticket version). Registration's has no version;
   * `via` names the survivor whose reply a merged ticket's resident hears of.
   */
  notification: (p: Payload<'notifications'>, via?: string, notBefore?: Date | null) =>
    message('notifications', p, `notify-${p.template}-${p.ticketId}${via ? `-via-${via}` : ''}${p.version === undefined ? '' : `-${p.version}`}`, notBefore ?? undefined),

  /** A staff inbox entry: once per (ticket, template, ticket version). */
  staffNotification: (p: Payload<'staff-notifications'>) => message('staff-notifications', p, `staff-${p.template}-${p.ticketId}-${p.version}`),

  /** The no-response close of a reply made at `repliedAt` (round: the ticket version of the reply). */
  followup: (ticketId: string, round: number, repliedAt: Date) =>
    message('followups', { ticketId, round }, `no-response-${ticketId}-${round}`, new Date(repliedAt.getTime() + NO_RESPONSE_CLOSE_MS)),

  /**
   * An escalation step of one deadline, due at `at`; the id names ticket, deadline (the row's kind,
   * with the department for a co-handling one) and instant.
   */
  deadline: (ticketId: string, deadline: string, at: Date) =>
    message('deadlines', { ticketId }, `deadline-${ticketId}-${deadline}-${at.getTime()}`, at),

  /** One WeCom webhook's delivery of a published notice revision. */
  wecom: (p: Payload<'wecom'>) => message('wecom', p, `wecom-${p.month}-${p.revision}-${p.webhook}`),

  /** One report back to the 12345 platform (SPEC §15): once per (ticket, event, round = ticket version of the act). */
  hotline: (p: Payload<'hotline'>) => message('hotline', p, `hotline-${p.ticketId}-${p.event}-${p.round}`),

  /** Fetching a WeChat message's photo or recording from the platform (SPEC §17): once per message. */
  intakeMedia: (messageId: string) => message('intake-media', { messageId }, `intake-media-${messageId}`),

  /** The group robot's answer to a ticket registered from WeChat messages, at the robot's next free slot. */
  intakeRobot: (ticketId: string, at: Date) => message('intake-robot', { ticketId }, `intake-robot-${ticketId}`, at),
};

/** The one place a job's payload is read: retrying cannot fix a malformed one. */
export function parsePayload<Q extends QueueName>(queue: Q, payload: unknown): Payload<Q> {
  const r = PAYLOADS[queue].safeParse(payload);
  if (!r.success) throw new UnrecoverableError(`invalid ${queue} payload: ${r.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return r.data as Payload<Q>;
}
