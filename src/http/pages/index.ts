// Server-rendered pages (SPEC §13): staff pages under /staff/, the public home and /track.
// Registered on the root instance but encapsulated: the form-body parser, the static files, the
// template engine and the HTML error handler apply to pages only, never to /api/v1.
// The public notice pages (/notices, /notices/YYYY-MM) are notice-pages.ts, registered here so the
// HTML error pages apply to them too; the staff's notice pages are notices.pages.ts.
import type { FastifyPluginAsync } from 'fastify';
import { fileURLToPath } from 'node:url';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import { DomainError } from '../../domain/errors.js';
import { pageErrorHandler, renderError } from './render.js';
import { markPageForms, parseUrlEncoded } from '../plugins/text-input.js';
import authPages from './auth.pages.js';
import intakePages from './intake.pages.js';
import wechatPages from './wechat.pages.js';
import ticketPages from './ticket.pages.js';
import attachmentPages from './attachments.pages.js';
import mobilePages from './mobile.pages.js';
import workPages from './work.pages.js';
import adminCataloguePages from './admin-catalogue.pages.js';
import adminPolicyPages from './admin-policy.pages.js';
import adminApiKeyPages from './admin-api-keys.pages.js';
import statsPages from './stats.pages.js';
import importsPages from './imports.pages.js';
import noticesPages from './notices.pages.js';
import publicPages from './public.pages.js';
import noticePages from '../notice-pages.js';

const dir = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

const pages: FastifyPluginAsync = async (app) => {
  // Form bodies and query strings of pages are cleaned of control characters, not refused
  // (src/http/plugins/text-input.ts); a malformed percent-encoding is refused.
  markPageForms(app);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024, parser: parseUrlEncoded });
  await app.register(fastifyStatic, { root: dir('../static'), prefix: '/static/', maxAge: '1h' });
  // Eta escapes every <%= %> output; <%~ %> is used only for rendered partials and the QR SVG.
  // Every template sees `it.township` (TOWNSHIP_NAME, TOWNSHIP_HOTLINES): layouts, receipts.
  const { TOWNSHIP_NAME: name, TOWNSHIP_HOTLINES: hotlines } = app.deps.config;
  await app.register(fastifyView, {
    engine: { eta: new Eta({ autoEscape: true }) },
    root: dir('../views'),
    production: true,
    defaultContext: { township: { name, hotlines } },
  });
  app.setErrorHandler(pageErrorHandler);
  // The site-wide page-not-found (the root not-found handler calls it for browser addresses).
  const eta = new Eta({ autoEscape: true, views: dir('../views') });
  app.notFoundPage.render = (request, reply) =>
    reply.code(404).header('cache-control', 'no-store').type('text/html; charset=utf-8')
      .send(eta.render('error', { township: { name, hotlines }, title: '页面不存在', status: 404, message: '您访问的页面不存在，请检查地址是否正确。', requestId: String(request.id) }));
  if (app.deps.config.PUBLIC_BASE_URL.startsWith('http:')) {
    // helmet's default CSP makes browsers fetch every stylesheet, script and form post over https;
    // served over plain http on a service hall's LAN address that would break every page.
    app.addHook('onSend', async (_request, reply, payload) => {
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string') reply.header('content-security-policy', csp.replace(/;?upgrade-insecure-requests/, ''));
      return payload;
    });
  }

  await app.register(publicPages);
  await app.register(noticePages);
  await app.register(
    async (staff) => {
      await staff.register(authPages);
      await staff.register(intakePages);
      await staff.register(wechatPages);
      await staff.register(ticketPages);
      await staff.register(attachmentPages);
      await staff.register(mobilePages);
      await staff.register(workPages);
      await staff.register(adminCataloguePages);
      await staff.register(adminPolicyPages);
      await staff.register(adminApiKeyPages);
      await staff.register(statsPages);
      await staff.register(importsPages);
      await staff.register(noticesPages);
      // Any other /staff address: sign in first; signed in, a page-not-found in the staff frame.
      staff.setNotFoundHandler({ preHandler: staff.guard() }, async (request, reply) =>
        renderError(request, reply, 404, new DomainError('NOT_FOUND', '页面不存在').message),
      );
    },
    { prefix: '/staff' },
  );
};

export default pages;
