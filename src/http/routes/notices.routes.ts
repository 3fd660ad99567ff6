// Notices (SPEC §8): generate, read drafts, publish, hold (staff); the published archive (public).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { generateNotice, holdNotice, publicArchive, publicNotice, publishNotice, staffNotice } from '../../services/notices.service.js';
import { staffActor } from '../plugins/auth.js';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM');
const monthParams = z.strictObject({ month });

const routes: FastifyPluginAsyncZod = async (app) => {
  const editors = app.guard({ can: 'editNotices' });
  const who = (request: Parameters<typeof staffActor>[0]) => `user:${staffActor(request).username}`;

  app.post(
    '/admin/notices',
    {
      schema: { tags: ['notices'], summary: '生成（或重新生成）月度公示草稿', body: z.strictObject({ month, nextSteps: z.string().trim().min(1).max(2000).optional() }) },
      preValidation: editors,
    },
    async (request, reply) => reply.code(201).send(await generateNotice(app.deps, who(request), request.body.month, request.body.nextSteps)),
  );
  app.get('/notices/:month', { schema: { tags: ['notices'], params: monthParams }, preValidation: app.guard() }, async (request) =>
    staffNotice(app.deps, request.params.month),
  );
  app.post('/notices/:month/publish', { schema: { tags: ['notices'], params: monthParams }, preValidation: editors }, async (request) =>
    publishNotice(app.deps, who(request), request.params.month),
  );
  app.post('/notices/:month/hold', { schema: { tags: ['notices'], params: monthParams }, preValidation: editors }, async (request) =>
    holdNotice(app.deps, who(request), request.params.month),
  );

  app.get('/public/notices', { schema: { tags: ['public'], summary: '已发布的月度公示' } }, async () => publicArchive(app.deps));
  app.get('/public/notices/:month', { schema: { tags: ['public'], params: z.strictObject({ month: z.string().max(20) }) } }, async (request) =>
    publicNotice(app.deps, request.params.month),
  );
};

export default routes;
