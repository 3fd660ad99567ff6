// Rendering pages: the staff and public page contexts (who is signed in, the navigation, the CSRF
// token, the formatting helpers) and the HTML answers for errors — a sign-in redirect for a missing
// session, a friendly page in Chinese for everything else.
import { can, type Capability } from '../../domain/capabilities.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ERROR_MESSAGES } from '../../domain/errors.js';
import { isDependencyDown } from '../../resilience.js';
import type { Role } from '../../domain/roles.js';
import { getCatalogue } from '../../services/catalogue.service.js';
import { staffActor, type StaffActor } from '../plugins/auth.js';
import { helpers, LABELS } from './format.js';
import { DURATION_UNITS } from './form-specs.js';

interface NavItem {
  href: string;
  label: string;
  /** Shown only to those with the capability (domain/capabilities.ts); omit for every staff member. */
  can?: Capability;
}

const NAV: NavItem[] = [
  { href: '/staff/tickets/new', label: '登记', can: 'register' },
  { href: '/staff/m/new', label: '随手拍', can: 'registerOnPhone' },
  { href: '/staff/m/mine', label: '我的上报', can: 'registerOnPhone' },
  { href: '/staff/intake/messages', label: '微信消息', can: 'triageIntake' },
  { href: '/staff/inbox', label: '待办' },
  { href: '/staff/tickets', label: '工单' },
  { href: '/staff/imports', label: '台账导入', can: 'importLedgers' },
  { href: '/staff/supervision', label: '督办', can: 'supervise' },
  { href: '/staff/stats', label: '统计', can: 'readStats' },
  { href: '/staff/admin/users', label: '用户', can: 'administer' },
  { href: '/staff/admin/departments', label: '部门', can: 'administer' },
  { href: '/staff/admin/categories', label: '分类', can: 'administer' },
  { href: '/staff/admin/sla', label: '时限', can: 'administer' },
  { href: '/staff/admin/api-keys', label: '接口密钥', can: 'administer' },
  { href: '/staff/admin/calendar', label: '日历', can: 'administer' },
  { href: '/staff/admin/queues', label: '队列', can: 'administer' },
  { href: '/staff/notices', label: '公示' },
];

function navFor(actor: StaffActor, url: string) {
  // Nothing to go to before a one-time password is replaced.
  if (actor.mustChangePassword) return [];
  const path = url.split('?')[0];
  const items = NAV.filter((n) => !n.can || can(actor.roles, n.can));
  // The current item is the longest href the path starts with (工单 vs 登记 under /staff/tickets).
  const current = items.filter((n) => path === n.href || path.startsWith(`${n.href}/`)).sort((a, b) => b.href.length - a.href.length)[0];
  return items.map((n) => ({ href: n.href, label: n.label, current: n === current }));
}

/** Where each role starts after signing in. */
export function landingFor(roles: Role[]): string {
  if (roles.includes('clerk')) return '/staff/tickets/new';
  if (roles.includes('supervisor') || roles.includes('leader')) return '/staff/supervision';
  if (roles.includes('handler')) return '/staff/inbox';
  if (roles.includes('admin')) return '/staff/admin/users';
  if (roles.includes('grid')) return '/staff/m/new';
  return '/staff/tickets';
}

export async function staffContext(request: FastifyRequest) {
  const actor = staffActor(request);
  const deps = request.server.deps;
  const catalogue = await getCatalogue(deps);
  return {
    me: {
      name: actor.displayName,
      roles: actor.roles.map((r) => LABELS.role[r]).join('、'),
      department: actor.departmentCode ? (catalogue.departments.get(actor.departmentCode)?.name ?? actor.departmentCode) : null,
    },
    csrf: actor.csrfToken,
    nav: navFor(actor, request.url),
    h: helpers(catalogue, deps.clock.now()),
    catalogue,
    units: DURATION_UNITS,
  };
}

/** A staff page (template path under views/): never cached, it shows personal data. */
export async function renderStaff(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown>,
  status = 200,
): Promise<FastifyReply> {
  const ctx = await staffContext(request);
  return reply.code(status).header('cache-control', 'no-store').view(template, { ...ctx, ...data });
}

export function renderPublic(reply: FastifyReply, template: string, data: Record<string, unknown>, status = 200) {
  return reply.code(status).header('cache-control', 'no-store').view(template, data);
}

/** HTTP status of the codes pages meet; everything else a client caused is a 400. */
const PAGE_STATUS: Record<string, number> = {
  FORBIDDEN: 403, CSRF_FAILED: 403, PASSWORD_CHANGE_REQUIRED: 403, TICKET_NOT_FOUND: 404, NOT_FOUND: 404, ILLEGAL_TRANSITION: 409, CONFLICT: 409,
  EXTENSION_PENDING: 409, IDEMPOTENCY_KEY_REUSED: 422, EXTENSION_TOO_LATE: 422, LOOKUP_LOCKED: 429, RATE_LIMITED: 429, ACCOUNT_LOCKED: 429, SERVICE_UNAVAILABLE: 503,
};

export function statusOf(err: DomainError): number {
  return PAGE_STATUS[err.code] ?? 400;
}

/**
 * The staff page a form was posted from, for going back to it (helmet sends no Referer): the
 * registration form for a registration, the ticket page for one of its actions — the forms that
 * keep a draft (draft.js). Other forms answer as before.
 */
export function formPagePath(request: FastifyRequest): string | null {
  const path = request.url.split('?')[0];
  if (path === '/staff/tickets') return '/staff/tickets/new';
  if (path === '/staff/intake/messages/register') return '/staff/intake/messages';
  const action = /^(\/staff\/tickets\/\d{15})\/actions\/[a-z_]+$/.exec(path);
  return action ? action[1] : null;
}

/** Only local staff paths are followed after signing in (no open redirect). */
export function safeNext(next: unknown): string | null {
  return typeof next === 'string' && /^\/staff\/[^/\\]/.test(next) && !next.startsWith('/staff/login') && !next.startsWith('/staff/password')
    ? next
    : null;
}

/** The change-password form, keeping where the user was going. */
export const passwordPage = (next: string | null): string => (next ? `/staff/password?next=${encodeURIComponent(next)}` : '/staff/password');

export async function renderError(request: FastifyRequest, reply: FastifyReply, status: number, message: string): Promise<FastifyReply | string> {
  const staff = request.actor?.kind === 'user';
  const data = { title: status === 404 ? '页面不存在' : '无法完成操作', status, message, requestId: String(request.id) };
  if (staff) return renderStaff(request, reply, 'error', data, status);
  return renderPublic(reply, 'error', data, status);
}

export async function pageErrorHandler(this: unknown, err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof DomainError) {
    if (err.code === 'UNAUTHENTICATED') {
      // A form posted after the session expired goes back to its page once signed in again,
      // where draft.js puts back what was typed (the post itself changed nothing).
      const next = request.method === 'GET' ? safeNext(request.url) : formPagePath(request);
      const expired = request.method === 'GET' ? '' : '&expired=1';
      return reply.redirect(next ? `/staff/login?next=${encodeURIComponent(next)}${expired}` : '/staff/login', 303);
    }
    if (err.code === 'CSRF_FAILED' && request.method === 'POST') {
      // A stale page (signed in again in another tab): back to the form, refilled by draft.js.
      const back = formPagePath(request);
      if (back) return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}stale=1`, 303);
    }
    if (err.code === 'PASSWORD_CHANGE_REQUIRED') return reply.redirect(passwordPage(request.method === 'GET' ? safeNext(request.url) : null), 303);
    return renderError(request, reply, statusOf(err), err.message);
  }
  if (isDependencyDown(err)) {
    // The staff frame reads the database: while it is away, the plain public error page.
    request.log.warn({ err: err.message, code: err.code }, 'dependency unavailable on a page');
    return renderPublic(reply.header('retry-after', '5'), 'error', {
      title: '服务暂时不可用', status: 503, message: ERROR_MESSAGES.DEPENDENCY_UNAVAILABLE, requestId: String(request.id),
    }, 503);
  }
  const status = err.statusCode ?? 500;
  // @fastify/rate-limit's error carries the Chinese "try again in N seconds" of app.ts.
  if (status === 429) return renderError(request, reply, 429, err.message || '请求过于频繁，请稍后再试');
  if (status >= 400 && status < 500) return renderError(request, reply, status, status === 413 ? '提交的内容过大' : '请求无效，请返回上一页重试');
  request.log.error({ err }, 'unhandled error on a page');
  return renderError(request, reply, status === 503 ? 503 : 500, status === 503 ? '服务暂时不可用，请稍后重试' : '系统内部错误，请稍后重试或联系管理员');
}
