// Triage of WeChat / WeCom messages (SPEC §17): the list, one ticket from one or several messages,
// dismissing one. Clerks and supervisors (capability `triageIntake`); sessions only.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { dismissIntakeMessage, listIntakeMessages, registerFromMessages } from '../../services/intake-triage.service.js';
import { staffActor } from '../plugins/auth.js';
import { dismissSchema, intakeListQuery, intakeMessageParams, intakeRegisterSchema } from '../schemas.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  const guard = app.guard({ can: 'triageIntake' });

  app.get('/intake/messages', { schema: { tags: ['intake'], summary: '待处理的微信消息（新消息在前）', querystring: intakeListQuery }, preValidation: guard }, async (request) =>
    listIntakeMessages(app.deps, request.query),
  );

  app.post('/intake/messages/register', { schema: { tags: ['intake'], summary: '由一条或多条微信消息登记一张工单', body: intakeRegisterSchema }, preValidation: guard }, async (request, reply) => {
    const answer = await registerFromMessages(app.deps, staffActor(request), request.body);
    if (answer.replayed) reply.header('Idempotent-Replayed', 'true');
    return reply.code(answer.statusCode).send(answer.body);
  });

  app.post(
    '/intake/messages/:id/dismiss',
    { schema: { tags: ['intake'], summary: '忽略一条微信消息（须填理由）', params: intakeMessageParams, body: dismissSchema }, preValidation: guard },
    async (request) => dismissIntakeMessage(app.deps, staffActor(request), request.params.id, request.body.reason),
  );
};

export default routes;
