// Admin page for integration API keys (SPEC §10): list, create (the key is shown once, on the page
// that answers the creation, never again), disable and enable. The admin API's schemas validate and
// the audited api-keys service writes.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { API_SCOPE_LABELS, type ApiScope } from '../../domain/api-scopes.js';
import { createApiKey, listApiKeyViews, updateApiKey } from '../../services/api-keys.service.js';
import { apiKeyParams, apiKeySchema } from '../schemas.js';
import { staffActor } from '../plugins/auth.js';
import { apiKeyFields } from './form-specs.js';
import { compact, emptyForm, formBody, formError, list, parseWith, str, type FormState } from './forms.js';
import { renderStaff, statusOf } from './render.js';

const scopeLabel = (s: string) => API_SCOPE_LABELS[s as ApiScope] ?? s;

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;
  const guard = app.guard({ can: 'administer' });

  const listPage = async (request: FastifyRequest, reply: FastifyReply, form: FormState, extra: Record<string, unknown> = {}, status = 200) => {
    const saved = (request.query as Record<string, unknown>).saved;
    return renderStaff(request, reply, 'staff/admin/api-keys', {
      title: '接口密钥', keys: await listApiKeyViews(deps), fields: apiKeyFields(), form, scopeLabel,
      resource: { path: 'api-keys', noun: '接口密钥' }, saved: typeof saved === 'string' ? saved : null, created: null, ...extra,
    }, status);
  };

  app.get('/admin/api-keys', { preValidation: guard }, (request, reply) => listPage(request, reply, emptyForm({})));

  app.post('/admin/api-keys', { preValidation: guard }, async (request, reply) => {
    const values = formBody(request);
    try {
      const input = parseWith(apiKeySchema, compact({ name: str(values, 'name'), scopes: list(values, 'scopes') }));
      const actor = staffActor(request);
      const created = await createApiKey(deps, { username: actor.username, userId: actor.userId }, input);
      return listPage(request, reply, emptyForm({}), { created }, 201);
    } catch (err) {
      return listPage(request, reply, formError(err, values, apiKeyFields()), {}, statusOf(err as DomainError));
    }
  });

  app.post('/admin/api-keys/:prefix/:toggle', { preValidation: guard }, async (request, reply) => {
    const { prefix, toggle } = request.params as { prefix: string; toggle: string };
    if (toggle !== 'disable' && toggle !== 'enable') throw new DomainError('NOT_FOUND', '页面不存在');
    const { prefix: valid } = parseWith(apiKeyParams, { prefix });
    await updateApiKey(deps, `user:${staffActor(request).username}`, valid, { active: toggle === 'enable' });
    return reply.redirect(`/staff/admin/api-keys?saved=${encodeURIComponent(valid)}`, 303);
  });
};

export default pages;
