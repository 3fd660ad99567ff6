// Admin API: users, departments, categories (SPEC §12). Admin role only.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createUser, listUserViews, updateUser } from '../../services/users.service.js';
import * as catalogue from '../../services/catalogue.admin.service.js';
import { staffActor } from '../plugins/auth.js';
import {
  categoryPatchSchema, categorySchema, codeParams, createUserSchema, departmentPatchSchema, departmentSchema,
  updateUserSchema, usernameParams, calendarBodySchema, slaSchema, yearParams, apiKeySchema, apiKeyPatchSchema, apiKeyParams,
} from '../schemas.js';
import { getCalendarYear, getOfficeHours, getSla, putCalendarYear, putOfficeHours, putSla } from '../../services/policy.admin.service.js';
import { HH_MM } from '../../domain/office-hours.js';
import { createApiKey, listApiKeyViews, updateApiKey } from '../../services/api-keys.service.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  // Before validation: who may call is settled before what they sent is looked at (an anonymous
  // caller gets 401, not a 400 describing the schema).
  app.addHook('preValidation', app.guard({ can: 'administer' }));
  const who = (request: Parameters<typeof staffActor>[0]) => `user:${staffActor(request).username}`;
  const tags = ['admin'];

  app.get('/admin/users', { schema: { tags } }, async () => ({ items: await listUserViews(app.deps) }));
  app.post('/admin/users', { schema: { tags, body: createUserSchema } }, async (request, reply) =>
    reply.code(201).send(await createUser(app.deps, who(request), request.body)),
  );
  app.patch('/admin/users/:username', { schema: { tags, params: usernameParams, body: updateUserSchema } }, async (request) =>
    updateUser(app.deps, who(request), request.params.username, request.body),
  );

  app.get('/admin/departments', { schema: { tags } }, async () => ({ items: await catalogue.listAllDepartments(app.deps) }));
  app.post('/admin/departments', { schema: { tags, body: departmentSchema } }, async (request, reply) =>
    reply.code(201).send(await catalogue.createDepartment(app.deps, who(request), request.body)),
  );
  app.patch('/admin/departments/:code', { schema: { tags, params: codeParams, body: departmentPatchSchema } }, async (request) =>
    catalogue.patchDepartment(app.deps, who(request), request.params.code, request.body),
  );

  app.get('/admin/categories', { schema: { tags } }, async () => ({ items: await catalogue.listAllCategories(app.deps) }));
  app.post('/admin/categories', { schema: { tags, body: categorySchema } }, async (request, reply) =>
    reply.code(201).send(await catalogue.createCategory(app.deps, who(request), request.body)),
  );
  app.patch('/admin/categories/:code', { schema: { tags, params: codeParams, body: categoryPatchSchema } }, async (request) =>
    catalogue.patchCategory(app.deps, who(request), request.params.code, request.body),
  );

  app.get('/admin/calendar/:year', { schema: { tags, params: yearParams } }, async (request) =>
    getCalendarYear(app.deps, request.params.year),
  );
  app.put('/admin/calendar/:year', {
    schema: {
      tags, params: yearParams, body: calendarBodySchema,
      querystring: z.strictObject({ apply: z.enum(['true', 'false']).optional() }),
      description: 'Saves the year and answers `affectedTickets`: the open deadlines (working-day counts) the change moves. With `?apply=true` they move, each with a `deadline_changed` timeline event (SPEC §18); otherwise they keep their instants.',
      response: {
        200: z.object({
          year: z.number(), holidays: z.array(z.string()), workdays: z.array(z.string()), applied: z.boolean(),
          affectedTickets: z.array(z.object({ ticketNo: z.string(), kind: z.string(), departmentCode: z.string().nullable(), dueAt: z.string(), newDueAt: z.string() })),
        }),
      },
    },
  }, async (request) =>
    putCalendarYear(app.deps, who(request), { year: request.params.year, ...request.body }, { apply: request.query.apply === 'true' }),
  );
  const officeHours = z.strictObject({
    start: z.string().regex(HH_MM, '时间格式应为 HH:MM，如 08:30'),
    end: z.string().regex(HH_MM, '时间格式应为 HH:MM，如 17:30'),
  });
  const officeDescription = 'SPEC §18: staff reminders raised outside these hours of working days (Asia/Shanghai) are shown from the next start, except for emergency tickets and 约谈 (summons). Resident SMS never go out 21:00–08:00 unless the ticket is an emergency.';
  app.get('/admin/office-hours', { schema: { tags, description: officeDescription, response: { 200: officeHours } } }, async () => getOfficeHours(app.deps));
  app.put('/admin/office-hours', { schema: { tags, description: officeDescription, body: officeHours, response: { 200: officeHours } } }, async (request) =>
    putOfficeHours(app.deps, who(request), request.body),
  );
  app.get('/admin/sla', { schema: { tags } }, async () => getSla(app.deps));
  app.put('/admin/sla', { schema: { tags, body: slaSchema } }, async (request) => putSla(app.deps, who(request), request.body));

  app.get('/admin/api-keys', { schema: { tags } }, async () => ({ items: await listApiKeyViews(app.deps) }));
  app.post('/admin/api-keys', { schema: { tags, body: apiKeySchema } }, async (request, reply) => {
    const a = staffActor(request);
    return reply.code(201).send(await createApiKey(app.deps, { username: a.username, userId: a.userId }, request.body));
  });
  app.patch(
    '/admin/api-keys/:prefix',
    { schema: { tags, params: apiKeyParams, body: apiKeyPatchSchema } },
    async (request) => updateApiKey(app.deps, who(request), request.params.prefix, request.body),
  );
};

export default routes;
