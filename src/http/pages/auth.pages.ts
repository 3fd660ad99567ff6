// Staff sign-in, sign-out and change-password pages, on the same auth service and session cookie
// as the API. The sign-in form carries a double-submit token (cookie + field), so another site
// cannot sign a clerk's browser into an account of its choosing. A user signed in with a one-time
// password is sent to the change-password form, and every other staff page sends them back there.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError, validationError } from '../../domain/errors.js';
import { changeOwnPassword, login, logout, SESSION_ABSOLUTE_SECONDS } from '../../services/auth.service.js';
import { SESSION_COOKIE, staffActor } from '../plugins/auth.js';
import { passwordChangeSchema } from '../schemas.js';
import type { FieldSpec } from './form-specs.js';
import { emptyForm, formBody, formError, parseWith, str, type FormState } from './forms.js';
import { landingFor, passwordPage, renderPublic, renderStaff, safeNext } from './render.js';

const LOGIN_CSRF_COOKIE = 'hy_login_csrf';

const pages: FastifyPluginAsync = async (app) => {
  const secure = app.deps.config.PUBLIC_BASE_URL.startsWith('https:');
  const cookieBase = { path: '/staff/login', httpOnly: true, sameSite: 'strict' as const, secure };

  async function loginPage(reply: FastifyReply, data: { username?: string; next?: string | null; message?: string }, status = 200) {
    const token = randomBytes(18).toString('base64url');
    reply.setCookie(LOGIN_CSRF_COOKIE, token, cookieBase);
    return renderPublic(reply, 'staff/login', { title: '工作人员登录', loginToken: token, username: '', next: null, ...data }, status);
  }

  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const next = safeNext(query.next);
    // A form posted after the session expired: what was typed waits in the browser (draft.js).
    const message = next && query.expired === '1' ? '登录已超时，请重新登录。您填写的内容已保留，登录后将自动恢复。' : undefined;
    return loginPage(reply, { next, message });
  });

  app.post('/login', async (request, reply) => {
    const body = formBody(request);
    const username = str(body, 'username') ?? '';
    const next = safeNext(str(body, 'next'));
    const expected = request.cookies[LOGIN_CSRF_COOKIE];
    const given = str(body, '_login') ?? '';
    if (!expected || expected.length !== given.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(given))) {
      return loginPage(reply, { username, next, message: '登录页面已过期，请重新输入密码登录' }, 403);
    }
    try {
      const r = await login(app.deps, username, str(body, 'password') ?? '', request.ip);
      reply.clearCookie(LOGIN_CSRF_COOKIE, cookieBase);
      reply.setCookie(SESSION_COOKIE, r.token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_ABSOLUTE_SECONDS });
      if (r.user.mustChangePassword) return reply.redirect(passwordPage(next), 303);
      return reply.redirect(next ?? landingFor(r.user.roles), 303);
    } catch (err) {
      if (!(err instanceof DomainError) || !['INVALID_CREDENTIALS', 'ACCOUNT_LOCKED'].includes(err.code)) throw err;
      return loginPage(reply, { username, next, message: err.message }, err.code === 'ACCOUNT_LOCKED' ? 429 : 401);
    }
  });

  const passwordFields = (oneTime: boolean): FieldSpec[] => [
    {
      name: 'currentPassword', label: oneTime ? '一次性初始密码' : '当前密码', type: 'password', required: true,
      hint: oneTime ? '首次启动时打印在服务日志里的密码' : undefined, attrs: { autocomplete: 'current-password', maxlength: 200, autofocus: true },
    },
    { name: 'newPassword', label: '新密码', type: 'password', required: true, hint: '至少10个字符，不要与其他系统共用', attrs: { autocomplete: 'new-password', maxlength: 200 } },
    { name: 'newPasswordAgain', label: '再次输入新密码', type: 'password', required: true, attrs: { autocomplete: 'new-password', maxlength: 200 } },
  ];
  const beforePasswordChange = app.guard({ beforePasswordChange: true });

  async function passwordForm(request: FastifyRequest, reply: FastifyReply, form: FormState, next: string | null, status = 200) {
    const oneTime = staffActor(request).mustChangePassword;
    return renderStaff(request, reply, 'staff/password', { title: '修改密码', oneTime, fields: passwordFields(oneTime), form, next }, status);
  }

  app.get('/password', { preValidation: beforePasswordChange }, async (request, reply) =>
    passwordForm(request, reply, emptyForm(), safeNext((request.query as Record<string, unknown>).next)),
  );

  app.post('/password', { preValidation: beforePasswordChange }, async (request, reply) => {
    const actor = staffActor(request);
    const body = formBody(request);
    const next = safeNext(str(body, 'next'));
    try {
      const input = parseWith(passwordChangeSchema, { currentPassword: str(body, 'currentPassword') ?? '', newPassword: str(body, 'newPassword') ?? '' });
      if (input.newPassword !== (str(body, 'newPasswordAgain') ?? '')) {
        throw validationError([{ path: 'newPasswordAgain', message: '两次输入的新密码不一致' }]);
      }
      await changeOwnPassword(app.deps, actor, input.currentPassword, input.newPassword, request.ip);
    } catch (err) {
      const form = formError(err, {}, passwordFields(actor.mustChangePassword));
      return passwordForm(request, reply, form, next, err instanceof DomainError && err.code === 'ACCOUNT_LOCKED' ? 429 : 400);
    }
    return reply.redirect(next ?? landingFor(actor.roles), 303);
  });

  app.post('/logout', { preValidation: beforePasswordChange }, async (request, reply) => {
    await logout(app.deps, staffActor(request));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/staff/login', 303);
  });

  app.get('/', { preValidation: app.guard() }, async (request, reply) => reply.redirect(landingFor(staffActor(request).roles), 303));
};

export default pages;
