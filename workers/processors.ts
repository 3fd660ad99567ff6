// One processor per queue: each receives its queue's payload already validated and typed
// (parsePayload, in `runJob` below — the one place a payload is read), calls a service, and stays
// idempotent.
import type { JobContext } from '../src/queue/backend.js';
import type { Payload, QueueName } from '../src/queue/names.js';
import { parsePayload } from '../src/queue/jobs.js';
import { routeTicket, closeWithoutResponse } from '../src/services/routing.service.js';
import { notifyResident } from '../src/services/notify.service.js';
import { recordStaffNotification } from '../src/services/staff-notifications.service.js';
import { applyDueEscalations } from '../src/services/escalation.service.js';
import { deliverToWeCom, noticeTick } from '../src/services/notices.service.js';
import { deliverHotlineReport } from '../src/services/hotline-webhook.service.js';
import { deliverRobotAnswer } from '../src/services/intake-robot.service.js';
import { fetchIntakeMedia } from '../src/services/intake-media.service.js';
import type { ServiceDeps } from '../src/services/deps.js';

export type Processors = { [Q in QueueName]: (payload: Payload<Q>, job: JobContext) => Promise<void> };

export function processors(deps: ServiceDeps): Processors {
  return {
    async routing(p, job) {
      await job.log(`routing: ${await routeTicket(deps, p.ticketId)}`);
    },
    async notifications(p, job) {
      const result = await notifyResident(deps, { ticketId: p.ticketId, template: p.template, round: p.version ?? 0 });
      await job.log(`notification: ${result}`);
    },
    async 'staff-notifications'(p) {
      await recordStaffNotification(deps, p);
    },
    async deadlines(p, job) {
      await job.log(`escalation steps applied: ${await applyDueEscalations(deps, p.ticketId)}`);
    },
    async wecom(p, job) {
      await job.log(`WeCom parts posted: ${await deliverToWeCom(deps, p)}`);
    },
    async notices(_p, job) {
      const r = await noticeTick(deps);
      await job.log(`notice schedule: ${JSON.stringify(r)}`);
    },
    async hotline(p, job) {
      await job.log(`12345 report ${p.event}: ${await deliverHotlineReport(deps, p)}`);
    },
    async 'intake-media'(p, job) {
      await job.log(`WeChat media: ${await fetchIntakeMedia(deps, p.messageId)}`);
    },
    async 'intake-robot'(p, job) {
      await job.log(`group robot answer: ${await deliverRobotAnswer(deps, p.ticketId)}`);
    },
    async followups(p, job) {
      await job.log(`no-response close: ${await closeWithoutResponse(deps, p.ticketId)}`);
    },
  };
}

/** Validates a queue's raw payload and hands it, typed, to that queue's processor. */
export function runJob<Q extends QueueName>(handlers: Processors, queue: Q, raw: unknown, job: JobContext): Promise<void> {
  return handlers[queue](parsePayload(queue, raw), job);
}
