// Public lookup by number + verification (SPEC §5), rate-limited per client IP.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicLookup, publicLookupByExternalNo } from '../../services/public-lookup.service.js';
import { submitFeedback } from '../../services/feedback.service.js';
import { publicTicketResponse, ticketNoParams } from '../schemas.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/public/tickets/:ticketNo',
    {
      config: { rateLimit: { max: app.deps.config.PUBLIC_LOOKUP_RATE_LIMIT, timeWindow: 60_000 } },
      schema: {
        tags: ['public'],
        summary: '群众查询工单 (public lookup)',
        params: ticketNoParams,
        querystring: z.strictObject({
          verify: z.string().regex(/^(\d{4}|\d{6})$/, '请输入登记电话的后4位，或回执上的6位查询码'),
        }),
        response: { 200: publicTicketResponse },
      },
    },
    async (request) => publicLookup(app.deps, request.params.ticketNo, request.query.verify),
  );

  app.get(
    '/public/tickets',
    {
      config: { rateLimit: { max: app.deps.config.PUBLIC_LOOKUP_RATE_LIMIT, timeWindow: 60_000 } },
      schema: {
        tags: ['public'],
        summary: '群众凭12345工单编号查询 (public lookup by the 12345 platform number, SPEC §15)',
        querystring: z.strictObject({
          externalNo: z.string().trim().min(1, '请输入12345工单编号').max(64, '工单编号最多64个字符'),
          verify: z.string().regex(/^(\d{4}|\d{6})$/, '请输入登记电话的后4位，或回执上的6位查询码'),
        }),
        response: { 200: publicTicketResponse },
      },
    },
    async (request) => publicLookupByExternalNo(app.deps, request.query.externalNo, request.query.verify),
  );

  app.post(
    '/public/tickets/:ticketNo/feedback',
    {
      config: { rateLimit: { max: app.deps.config.PUBLIC_LOOKUP_RATE_LIMIT, timeWindow: 60_000 } },
      schema: {
        tags: ['public'],
        summary: '群众评价答复 (resident rates the reply)',
        params: ticketNoParams,
        body: z.strictObject({
          verify: z.string().regex(/^(\d{4}|\d{6})$/, '请输入登记电话的后4位，或回执上的6位查询码'),
          resolved: z.boolean(),
          satisfaction: z.enum(['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied']),
          comment: z.string().trim().min(1).max(500).optional(),
        }),
        response: { 200: publicTicketResponse },
      },
    },
    async (request) => submitFeedback(app.deps, request.params.ticketNo, request.body),
  );
};

export default routes;
