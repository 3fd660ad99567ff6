// Staff work surfaces: the inbox, category suggestion, and a ticket's resident notifications.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { inboxFor } from '../../services/inbox.service.js';
import { classifyDemand } from '../../services/classify.service.js';
import { listScope, notificationsForStaff } from '../../services/tickets.query.service.js';
import { staffActor } from '../plugins/auth.js';
import { codeSchema, phoneSchema, ticketNoParams } from '../schemas.js';
import { supervisionBoard, unstaffedBoard } from '../../services/supervision.service.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get('/inbox', { schema: { tags: ['work'], summary: '我的待办 (the caller’s work)' }, preValidation: app.guard() }, async (request) =>
    inboxFor(app.deps, staffActor(request)),
  );

  app.get(
    '/supervision',
    {
      schema: {
        tags: ['work'],
        summary: '督办看板 (open tickets with a reached escalation step, highest first)',
        description: '`unstaffed`: open tickets assigned to a department that has no active handler (nobody can sign them off).',
      },
      preValidation: app.guard({ can: 'supervise' }),
    },
    async () => ({
      items: (await supervisionBoard(app.deps)).map((r) => ({ ...r, dueAt: r.dueAt.toISOString() })),
      unstaffed: (await unstaffedBoard(app.deps)).map((r) => ({ ...r, dueAt: r.dueAt.toISOString() })),
    }),
  );

  app.post(
    '/classify',
    {
      schema: {
        tags: ['work'],
        summary: '分类建议与重复提醒 (suggest categories, warn of duplicates before registering)',
        body: z.strictObject({
          content: z.string().trim().min(1).max(2000),
          phone: phoneSchema.optional(),
          villageCode: codeSchema.optional(),
          categoryCode: codeSchema.optional(),
        }),
      },
      preValidation: app.guard({ can: 'register' }),
    },
    async (request) => classifyDemand(app.deps, request.body, listScope(staffActor(request)) === null),
  );

  app.get(
    '/tickets/:ticketNo/notifications',
    { schema: { tags: ['tickets'], params: ticketNoParams }, preValidation: app.guard() },
    async (request) => ({ items: await notificationsForStaff(app.deps, staffActor(request), request.params.ticketNo) }),
  );
};

export default routes;
