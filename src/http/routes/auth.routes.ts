// POST /auth/login · POST /auth/password · POST /auth/logout · GET /auth/me
// A session signed in with a one-time password (`mustChangePassword: true` in the login answer)
// may only change the password, read /auth/me and sign out; every other route answers 403
// PASSWORD_CHANGE_REQUIRED until the password is changed.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changeOwnPassword, login, logout, SESSION_ABSOLUTE_SECONDS } from '../../services/auth.service.js';
import { SESSION_COOKIE, staffActor } from '../plugins/auth.js';
import { loginSchema, passwordChangeSchema } from '../schemas.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  const secure = app.deps.config.PUBLIC_BASE_URL.startsWith('https:');

  app.post('/auth/login', { schema: { tags: ['auth'], body: loginSchema } }, async (request, reply) => {
    const r = await login(app.deps, request.body.username, request.body.password, request.ip);
    reply.setCookie(SESSION_COOKIE, r.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure,
      maxAge: SESSION_ABSOLUTE_SECONDS,
    });
    return {
      csrfToken: r.csrfToken,
      expiresAt: r.expiresAt.toISOString(),
      mustChangePassword: r.user.mustChangePassword,
      user: {
        username: r.user.username,
        displayName: r.user.displayName,
        roles: r.user.roles,
        departmentCode: r.user.departmentCode,
      },
    };
  });

  app.post(
    '/auth/password',
    { schema: { tags: ['auth'], summary: '修改自己的密码', body: passwordChangeSchema }, preValidation: app.guard({ beforePasswordChange: true }) },
    async (request) => {
      await changeOwnPassword(app.deps, staffActor(request), request.body.currentPassword, request.body.newPassword, request.ip);
      return { ok: true };
    },
  );

  app.post('/auth/logout', { schema: { tags: ['auth'] }, preValidation: app.guard({ beforePasswordChange: true }) }, async (request, reply) => {
    await logout(app.deps, staffActor(request));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        response: {
          200: z.object({
            username: z.string(),
            displayName: z.string(),
            roles: z.array(z.string()),
            departmentCode: z.string().nullable(),
            csrfToken: z.string(),
            mustChangePassword: z.boolean(),
          }),
        },
      },
      preValidation: app.guard({ beforePasswordChange: true }),
    },
    async (request) => {
      const a = staffActor(request);
      return {
        username: a.username,
        displayName: a.displayName,
        roles: a.roles,
        departmentCode: a.departmentCode,
        csrfToken: a.csrfToken,
        mustChangePassword: a.mustChangePassword,
      };
    },
  );
};

export default routes;
