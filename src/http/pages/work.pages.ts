// The caller's inbox (a handler's department work, a supervisor's decisions, a clerk's
// assignments and follow-up calls) and the supervision board (SPEC §7, §13).
import { NOTE_ACTIONS } from '../../domain/ticket.js';
import { ACTION_ROLES } from '../../domain/ticket-rules.js';
import type { FastifyPluginAsync } from 'fastify';
import { inboxFor } from '../../services/inbox.service.js';
import { screeningsOfMonth, supervisionBoard, unstaffedBoard } from '../../services/supervision.service.js';
import { MONTH_RE } from '../../domain/stats.js';
import { shanghaiDateKeyIso } from '../../domain/local-date.js';
import { LEVELS } from '../../domain/deadlines.js';
import { staffActor } from '../plugins/auth.js';
import { renderStaff } from './render.js';

/** Actions that are not work waiting for someone. */
const NOT_WORK = new Set<string>(NOTE_ACTIONS);

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;

  app.get('/inbox', { preValidation: app.guard() }, async (request, reply) => {
    const inbox = await inboxFor(deps, staffActor(request));
    const tasks = inbox.tasks.map((t) => ({ ...t, work: t.allowedActions.filter((a) => !NOT_WORK.has(a)) }));
    return renderStaff(request, reply, 'staff/inbox', { title: '我的待办', tasks, notifications: inbox.notifications });
  });

  app.get('/supervision', { preValidation: app.guard({ can: 'supervise' }) }, async (request, reply) => {
    const actor = staffActor(request);
    // Same source as GET /api/v1/supervision: open tickets with a reached ladder step, highest first.
    const items = await supervisionBoard(deps);
    const levels = [...LEVELS].reverse().map((level) => ({ level, items: items.filter((i) => i.level === level) }));
    const canDecide = actor.roles.some((r) => ACTION_ROLES.decide_return.includes(r));
    const decisions = canDecide ? (await inboxFor(deps, actor)).tasks : [];
    // SPEC §18: the month's screenings (甄别), ?month= (default: this month in Asia/Shanghai).
    const q = (request.query as Record<string, unknown>).month;
    const month = typeof q === 'string' && MONTH_RE.test(q) ? q : shanghaiDateKeyIso(deps.clock.now()).slice(0, 7);
    return renderStaff(request, reply, 'staff/supervision', {
      title: '督办看板',
      screenings: await screeningsOfMonth(deps, month),
      levels,
      unstaffed: await unstaffedBoard(deps),
      returns: decisions.filter((t) => t.allowedActions.includes('decide_return')),
      extensions: decisions.filter((t) => t.allowedActions.includes('decide_extension')),
      pauses: decisions.filter((t) => t.allowedActions.includes('decide_pause')),
      screeningRequests: decisions.filter((t) => t.allowedActions.includes('decide_screening')),
      canDecide,
    });
  });
};

export default pages;
