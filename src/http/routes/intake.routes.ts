// Intake pushed by other systems: the 12345 hotline's work orders (SPEC §15), API key scope
// `intake:hotline` only — staff register through POST /tickets.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DomainError } from '../../domain/errors.js';
import { pushWorkOrder } from '../../services/hotline.service.js';
import { hotlinePushSchema } from '../schemas.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/intake/hotline',
    {
      schema: { tags: ['intake'], summary: '12345 热线派单推送 (hotline work order push)', body: hotlinePushSchema },
      preValidation: app.guard({ scope: (s) => s === 'intake:hotline' }),
    },
    async (request, reply) => {
      const actor = request.actor!;
      if (actor.kind !== 'api_key') throw new DomainError('FORBIDDEN');
      const answer = await pushWorkOrder(app.deps, { keyId: actor.keyId, name: actor.name }, request.body);
      if (answer.replayed) reply.header('Idempotent-Replayed', 'true');
      return reply.code(answer.statusCode).send(answer.body);
    },
  );
};

export default routes;
