// One processor per queue: validate the payload (ids only), call a service, stay idempotent.
import { UnrecoverableError, type JobContext } from '../src/queue/backend.js';
import { PAYLOADS, type QueueName } from '../src/queue/names.js';
import { routeTicket, closeWithoutResponse } from '../src/services/routing.service.js';
import { notifyResident } from '../src/services/notify.service.js';
import { insertStaffNotification } from '../src/db/notifications.repository.js';
import { applyDueEscalations } from '../src/services/escalation.service.js';
import { deliverToWeCom, noticeTick } from '../src/services/notices.service.js';
import type { ServiceDeps } from '../src/services/deps.js';
import type { Notifier } from '../src/services/notifier.js';

export type ProcessorDeps = ServiceDeps & { notifier: Notifier };

function parse<Q extends QueueName>(queue: Q, payload: unknown) {
  const r = PAYLOADS[queue].safeParse(payload);
  // Retrying cannot fix a malformed payload.
  if (!r.success) throw new UnrecoverableError(`invalid ${queue} payload: ${r.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return r.data as never;
}

export function processors(deps: ProcessorDeps): Record<QueueName, (payload: unknown, job: JobContext) => Promise<void>> {
  return {
    async routing(payload, job) {
      const p = parse('routing', payload) as { ticketId: string };
      await job.log(`routing: ${await routeTicket(deps, p.ticketId)}`);
    },
    async notifications(payload, job) {
      const p = parse('notifications', payload) as { ticketId: string; template: string; version?: number };
      const result = await notifyResident(deps, { ticketId: p.ticketId, template: p.template, round: p.version ?? 0 });
      await job.log(`notification: ${result}`);
    },
    async 'staff-notifications'(payload) {
      const p = parse('staff-notifications', payload) as {
        ticketId: string; template: string; audience: string; departmentCode: string | null; version: number;
      };
      await insertStaffNotification(deps.db, { ...p, round: p.version, now: deps.clock.now() });
    },
    async deadlines(payload, job) {
      const p = parse('deadlines', payload) as { ticketId: string };
      await job.log(`escalation steps applied: ${await applyDueEscalations(deps, p.ticketId)}`);
    },
    async wecom(payload, job) {
      const p = parse('wecom', payload) as { month: string; revision: number; webhook: number };
      await job.log(`WeCom parts posted: ${await deliverToWeCom(deps, p)}`);
    },
    async notices(_payload, job) {
      const r = await noticeTick(deps);
      await job.log(`notice schedule: ${JSON.stringify(r)}`);
    },
    async followups(payload, job) {
      const p = parse('followups', payload) as { ticketId: string };
      await job.log(`no-response close: ${await closeWithoutResponse(deps, p.ticketId)}`);
    },
  };
}
