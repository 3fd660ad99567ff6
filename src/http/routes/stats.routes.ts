// GET /stats/departments · /stats/handlers (JSON or CSV) and POST /stats/freeze (SPEC §9).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { freezeMonth, getStats, statsToCsv, type Scope } from '../../services/stats.service.js';
import { staffActor } from '../plugins/auth.js';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM');
const query = z.strictObject({ month: month.optional(), from: month.optional(), to: month.optional(), format: z.enum(['json', 'csv']).optional() });

const routes: FastifyPluginAsyncZod = async (app) => {
  for (const scope of ['departments', 'handlers'] as Scope[]) {
    app.get(
      `/stats/${scope}`,
      { schema: { tags: ['stats'], summary: `三率统计（${scope === 'departments' ? '按部门' : '按承办人'}）`, querystring: query }, preValidation: app.guard({ can: 'readStats' }) },
      async (request, reply) => {
        const stats = await getStats(app.deps, scope, request.query);
        if (request.query.format !== 'csv') return stats;
        const name = `huiying-stats-${scope}-${stats.period}.csv`;
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}"`)
          .send(statsToCsv(scope, stats.items as never));
      },
    );
  }

  app.post(
    '/stats/freeze',
    { schema: { tags: ['stats'], summary: '冻结月度统计 (freeze a month)', body: z.strictObject({ month }) }, preValidation: app.guard({ can: 'freezeStats' }) },
    async (request) => freezeMonth(app.deps, `user:${staffActor(request).username}`, request.body.month),
  );
};

export default routes;
