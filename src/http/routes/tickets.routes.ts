// Staff ticket routes: register (Idempotency-Key), list, read one.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { registerTicket, type Registrant } from '../../services/register.service.js';
import { getTicketForStaff, listTicketsForStaff } from '../../services/tickets.query.service.js';
import { submitAction } from '../../services/actions.service.js';
import { EXPORT_CONTENT_TYPES, exportLedger } from '../../services/ledger-export.service.js';
import { ACTION_NAMES } from '../../domain/action-bodies.js';
import { domainActor, listScope } from '../../services/tickets.query.service.js';
import { staffActor, type Actor } from '../plugins/auth.js';
import { listQuerySchema, registrationSchema, ticketNoParams } from '../schemas.js';

const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9_.:-]{8,100}$/;

function registrant(actor: Actor): Registrant {
  return actor.kind === 'user'
    ? { scope: `user:${actor.userId}`, label: actor.displayName, userId: actor.userId, apiKeyId: null, seesOtherTickets: listScope(actor) === null }
    : { scope: `key:${actor.keyId}`, label: `接口：${actor.name}`, userId: null, apiKeyId: actor.keyId };
}

// Guards run at preValidation, before the schema: a caller who may not use a route learns that
// (401/403/CSRF) and nothing about what a valid request would look like.
const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        summary: '登记诉求 (register a ticket)',
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        body: registrationSchema,
      },
      preValidation: app.guard({ can: 'register', apiKeys: true }),
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (!key) {
        throw new DomainError('IDEMPOTENCY_KEY_MISSING', undefined, [{ path: 'Idempotency-Key', message: '登记请求必须带 Idempotency-Key 请求头' }]);
      }
      if (!IDEMPOTENCY_KEY_RE.test(key)) {
        throw new DomainError('VALIDATION_FAILED', undefined, [{ path: 'Idempotency-Key', message: '应为8–100个字母、数字或 _ . : -' }]);
      }
      const answer = await registerTicket(app.deps, registrant(request.actor!), key, request.body);
      if (answer.replayed) reply.header('Idempotent-Replayed', 'true');
      return reply.code(answer.statusCode).send(answer.body);
    },
  );

  app.get(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        summary: '工单列表；format=csv|xlsx 导出台账 (list; ledger export, SPEC §15)',
        description:
          'JSON: a page of the filtered list. `format=csv` or `format=xlsx`: every matching ticket (at most 100 000) as a ledger ' +
          'file in the import\'s column layout plus 本系统工单号, 状态, 承办部门, 回复内容, 办结时间, 是否按时, 是否解决, 满意度; ' +
          'phones masked unless `unmask=true` (audited); formula cells neutralised; `cursor` and `limit` do not apply.',
        querystring: listQuerySchema,
      },
      preValidation: app.guard(),
    },
    async (request, reply) => {
      const { format, unmask, cursor: _cursor, limit, ...filters } = request.query;
      if (format === 'csv' || format === 'xlsx') {
        const staff = staffActor(request);
        const stream = await exportLedger(app.deps, staff, filters, { format, unmask: unmask === 'true' });
        const name = `台账-${app.deps.clock.now().toISOString().slice(0, 10)}.${format}`;
        return reply
          .header('content-type', EXPORT_CONTENT_TYPES[format])
          .header('content-disposition', `attachment; filename="ledger.${format}"; filename*=UTF-8''${encodeURIComponent(name)}`)
          .header('cache-control', 'no-store')
          .send(stream);
      }
      return listTicketsForStaff(app.deps, staffActor(request), { ...filters, limit, ...(_cursor ? { cursor: _cursor } : {}) });
    },
  );

  app.get(
    '/tickets/:ticketNo',
    {
      schema: {
        tags: ['tickets'],
        description:
          'The ticket as staff see it, with `timeline`, `allowedActions` and (SPEC §18) `deadlines: [{ kind: sign_off | resolve | co_handle | follow_up, ' +
          'kindLabel, departmentCode, startedAt, dueAt, level, paused, pausedAt, open, closedAt }]` (open ones first), `coHandlers: [{ departmentCode, state: ' +
          'assigned | accepted | answered | waived, assignedAt, acceptedAt?, answeredAt?, answer?, onTime?, waivedAt?, waiveReason? }]`, `paused`, ' +
          '`pendingPause`, `pendingScreening`, `screeningCategory`, `screenedAt`, `reportedUpAt`.',
        params: ticketNoParams,
        querystring: z.strictObject({ unmask: z.enum(['true', 'false']).optional() }),
      },
      preValidation: app.guard(),
    },
    async (request) =>
      getTicketForStaff(app.deps, staffActor(request), request.params.ticketNo, { unmask: request.query.unmask === 'true' }),
  );

  app.post(
    '/tickets/:ticketNo/actions/:action',
    {
      schema: {
        tags: ['tickets'],
        summary: '工单操作 (lifecycle action, SPEC §3)',
        params: z.strictObject({ ticketNo: z.string().min(1).max(64), action: z.enum(ACTION_NAMES) }),
        body: z.record(z.string(), z.unknown()).optional(),
      },
      preValidation: app.guard(),
    },
    async (request) => {
      const staff = staffActor(request);
      const party = { actor: domainActor(staff), label: staff.displayName };
      const { ticketNo, action } = request.params;
      // The body's shape depends on the action in the path: submitAction checks it, after 404/403/409.
      await submitAction(app.deps, party, ticketNo, action, request.body);
      return getTicketForStaff(app.deps, staff, request.params.ticketNo);
    },
  );
};

export default routes;
