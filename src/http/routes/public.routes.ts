// Public lookup by number + verification (SPEC §5), rate-limited per client IP.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicLookup, publicLookupByExternalNo } from '../../services/public-lookup.service.js';
import { submitFeedback } from '../../services/feedback.service.js';
import { publicTicketResponse, ticketNoParams } from '../schemas.js';
import { REACHED_SATISFACTIONS } from '../../domain/ticket-rules.js';

/** The resident's proof (SPEC §5): the phone's last 4 digits, or the receipt's 6-digit code. */
const verify = z.string().regex(/^(\d{4}|\d{6})$/, '请输入登记电话的后4位，或回执上的6位查询码');

const routes: FastifyPluginAsyncZod = async (app) => {
  // Every public route: its per-IP limit, and the answer the serializer cuts to the public fields.
  const config = { rateLimit: { max: app.deps.config.PUBLIC_LOOKUP_RATE_LIMIT, timeWindow: 60_000 } };
  const response = { 200: publicTicketResponse };
  app.get(
    '/public/tickets/:ticketNo',
    {
      config,
      schema: {
        tags: ['public'],
        summary: '群众查询工单 (public lookup)',
        params: ticketNoParams,
        querystring: z.strictObject({ verify }),
        response,
      },
    },
    async (request) => publicLookup(app.deps, request.params.ticketNo, request.query.verify),
  );

  app.get(
    '/public/tickets',
    {
      config,
      schema: {
        tags: ['public'],
        summary: '群众凭12345工单编号查询 (public lookup by the 12345 platform number, SPEC §15)',
        querystring: z.strictObject({
          externalNo: z.string().trim().min(1, '请输入12345工单编号').max(64, '工单编号最多64个字符'),
          verify,
        }),
        response,
      },
    },
    async (request) => publicLookupByExternalNo(app.deps, request.query.externalNo, request.query.verify),
  );

  app.post(
    '/public/tickets/:ticketNo/feedback',
    {
      config,
      schema: {
        tags: ['public'],
        summary: '群众评价答复 (resident rates the reply)',
        params: ticketNoParams,
        body: z.strictObject({
          verify,
          resolved: z.boolean(),
          satisfaction: z.enum(REACHED_SATISFACTIONS),
          comment: z.string().trim().min(1).max(500).optional(),
        }),
        response,
      },
    },
    async (request) => submitFeedback(app.deps, request.params.ticketNo, request.body),
  );
};

export default routes;
