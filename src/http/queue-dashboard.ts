// The queue dashboard for admins (bull-board), read-only: what each queue holds, what failed and
// why. Jobs carry ids only, so nothing personal shows here. Mounted at /staff/admin/queues.
import type { FastifyPluginAsync } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { createQueueKit } from '../queue/backend.js';
import { QUEUE_NAMES } from '../queue/names.js';
import { DomainError } from '../domain/errors.js';
import { sendError } from './plugins/errors.js';

export const QUEUE_DASHBOARD_PATH = '/staff/admin/queues';

const dashboard: FastifyPluginAsync = async (app) => {
  const { config } = app.deps;
  const kit = createQueueKit({ redisUrl: config.REDIS_URL, databaseUrl: config.DATABASE_URL!, prefix: config.QUEUE_PREFIX });
  app.addHook('onClose', () => kit.close());
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(kit.queue(name), { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: '回应 · 队列' } },
  });
  await app.register(
    async (scoped) => {
      // bull-board installs its own error handler, so the refusal is answered here, in our format.
      const guard = app.guard({ can: 'administer' });
      scoped.addHook('onRequest', async (request, reply) => {
        try {
          await guard.call(scoped, request, reply);
        } catch (err) {
          if (err instanceof DomainError) return sendError(reply, err);
          throw err;
        }
      });
      await scoped.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
    },
  );
};

export default dashboard;
