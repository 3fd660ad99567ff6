// Staff work surfaces: the inbox, category suggestion, and a ticket's resident notifications.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SCREENING_CATEGORIES } from '../../domain/ticket-rules.js';
import { inboxFor } from '../../services/inbox.service.js';
import { classifyDemand } from '../../services/classify.service.js';
import { listScope, notificationsForStaff } from '../../services/tickets.query.service.js';
import { staffActor } from '../plugins/auth.js';
import { codeSchema, phoneSchema, ticketNoParams } from '../schemas.js';
import { screeningsOfMonth, supervisionBoard, unstaffedBoard } from '../../services/supervision.service.js';

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

  app.get(
    '/supervision/screenings',
    {
      schema: {
        tags: ['work'],
        summary: '甄别台账 (tickets screened in a month, SPEC §18)',
        description: 'Each approved screening (甄别) of the month: category, the reason given, when. Screened tickets are still answered but leave the 三率 denominators.',
        querystring: z.strictObject({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM') }),
        response: {
          200: z.object({
            month: z.string(),
            items: z.array(z.object({
              ticketNo: z.string(), departmentCode: z.string().nullable(), category: z.enum(SCREENING_CATEGORIES), categoryLabel: z.string(),
              reason: z.string().nullable(), screenedAt: z.string(), status: z.string(),
            })),
          }),
        },
      },
      preValidation: app.guard({ can: 'supervise' }),
    },
    async (request) => screeningsOfMonth(app.deps, request.query.month),
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
