// buildApp(deps) → a Fastify instance: the plugin tree of the API. It never listens (main.ts does).
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import fastifyPostgres from '@fastify/postgres';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyMetricsModule from 'fastify-metrics';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { Clock } from './clock.js';
import { installZodChinese } from './domain/zod-zh.js';
import errorsPlugin, { errorBody, frameworkErrors, MULTIPART_LIMITS } from './http/plugins/errors.js';
import textInputPlugin from './http/plugins/text-input.js';
import authPlugin from './http/plugins/auth.js';
import healthRoutes from './http/routes/health.routes.js';
import authRoutes from './http/routes/auth.routes.js';
import ticketRoutes from './http/routes/tickets.routes.js';
import publicRoutes from './http/routes/public.routes.js';
import adminRoutes from './http/routes/admin.routes.js';
import workRoutes from './http/routes/work.routes.js';
import statsRoutes from './http/routes/stats.routes.js';
import noticesRoutes from './http/routes/notices.routes.js';
import open311Routes from './http/open311/open311.routes.js';
import importsRoutes from './http/routes/imports.routes.js';
import intakeRoutes from './http/routes/intake.routes.js';
import wechatIntakeRoutes from './http/routes/wechat-intake.routes.js';
import intakeMessageRoutes from './http/routes/intake-messages.routes.js';
import attachmentRoutes from './http/routes/attachments.routes.js';
import queueDashboard from './http/queue-dashboard.js';
import pages from './http/pages/index.js';
import { loggerOptions } from './logging.js';
import { guardPool, POOL_CONNECT_TIMEOUT_MS, SESSION_OPTIONS } from './db/pool.js';
import { rateLimitStore } from './http/rate-limit-store.js';
import { metricsAccess } from './http/metrics-access.js';
import { serviceDeps, type Shared } from './runtime.js';

export interface AppDeps {
  config: Config & { DATABASE_URL: string };
  clock: Clock;
  redis?: Redis | null;
  /** What the process built once (main.ts: shared with the workers); by default a set of its own. */
  shared?: Shared;
  /** Mount the admin queue dashboard (main.ts does; most tests do not need the queue connections). */
  queueDashboard?: boolean;
  /** A pino logger to share, `false` for none; defaults to one at the config's level. */
  logger?: FastifyBaseLogger | false;
  /** Called for every route as it is registered (the fuzz test reads the route table this way). */
  onRoute?: (route: RouteOptions) => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis | null;
  }
}

/**
 * One log line per request (Fastify writes two): the completed line carries method, path (never
 * the query string: lookups carry verification digits there), status and time.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url.split('?')[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  installZodChinese();
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: deps.logger === false ? false : loggerOptions(config.LOG_LEVEL) }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(given) ? given : randomUUID();
    },
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 256 * 1024,
    // A path Fastify cannot decode (`/notices/%`) answers in the SPEC §12 form too.
    frameworkErrors,
    logController: new OneLinePerRequest(),
  });

  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  // Drain (SPEC §11): Fastify gives `Connection: close` only to requests that arrive while it
  // closes; one already in flight kept its keep-alive connection open after its answer, so close()
  // waited for the client to drop it and SIGTERM ended in close-with-grace's kill (exit 1). From
  // preClose on, every answer ends its connection.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.decorate('redis', deps.redis ?? null);
  await app.register(fastifyPostgres, { connectionString: config.DATABASE_URL, options: SESSION_OPTIONS, max: 20, connectionTimeoutMillis: POOL_CONNECT_TIMEOUT_MS });
  // A client losing its server (a Postgres restart), idle or checked out, must not take the process down.
  guardPool(app.pg.pool, app.log, 'api');
  app.decorate('deps', serviceDeps({ db: app.pg.pool, clock: deps.clock, log: app.log, config }, deps.shared));

  await app.register(errorsPlugin);
  await app.register(textInputPlugin);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: { 'script-src': ["'self'"], 'img-src': ["'self'", 'data:'] },
    },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    // Redis when configured and reachable; this process's memory while Redis is away.
    store: rateLimitStore(deps.redis ?? null, 'hy-rl:'),
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (request, context) => ({
      ...errorBody(request, 429, 'RATE_LIMITED', `查询过于频繁，请${Math.ceil(context.ttl / 1000)}秒后再试`),
    }),
  });
  await app.register(authPlugin);
  // File uploads (ledger imports SPEC §15, attachments SPEC §17): streamed, never buffered whole;
  // routes read `request.file()` and may enforce a smaller limit of their own.
  await app.register(fastifyMultipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: true });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Huiying 回应 API',
        description: [
          '群众诉求闭环管理系统 — township citizen-grievance closed loop.',
          '',
          'Errors (SPEC §12): `{ statusCode, code, error, message, details: [{ path, message }], requestId }`, messages in Simplified Chinese.',
          '',
          'Text input, on every route: a string anywhere in the body (keys included), the query string, the path or the',
          '`Idempotency-Key`, `X-CSRF-Token` and `Authorization` headers that contains NUL or another C0/C1 control character',
          '(anything below U+0020 except tab, CR and LF; U+007F–U+009F) is refused with 400 `VALIDATION_FAILED` and a detail',
          'naming the field (`包含不允许的控制字符`); so is a lone UTF-16 surrogate (`包含无效的字符编码`), malformed',
          'percent-encoding (`包含无效的 URL 编码…`) and nesting deeper than 32 levels.',
        ].join('\n'),
        version: '1.0.0',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'hy_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Prometheus metrics; route labels are route patterns (`/api/v1/tickets/:ticketNo`), never raw URLs.
  // Readable from loopback or with METRICS_TOKEN only (src/http/metrics-access.ts).
  await app.register(fastifyMetricsModule.default, {
    endpoint: {
      method: 'GET',
      url: '/metrics',
      logLevel: 'fatal',
      exposeHeadRoute: false,
      schema: { hide: true },
      onRequest: metricsAccess(config.METRICS_TOKEN),
      handler: () => undefined, // replaced by fastify-metrics
    },
    clearRegisterOnInit: true,
  });
  await app.register(healthRoutes);
  await app.register(
    async (api) => {
      // zod compilers live inside the API plugin so plain JSON-schema routes elsewhere keep working.
      api.setValidatorCompiler(validatorCompiler);
      api.setSerializerCompiler(serializerCompiler);
      const zapi = api.withTypeProvider<ZodTypeProvider>();
      await zapi.register(authRoutes);
      await zapi.register(ticketRoutes);
      await zapi.register(publicRoutes);
      await zapi.register(adminRoutes);
      await zapi.register(workRoutes);
      await zapi.register(statsRoutes);
      await zapi.register(noticesRoutes);
      await zapi.register(intakeRoutes);
      await zapi.register(importsRoutes);
      await zapi.register(wechatIntakeRoutes);
      await zapi.register(intakeMessageRoutes);
      await zapi.register(attachmentRoutes);
    },
    { prefix: '/api/v1' },
  );
  // Open311 GeoReport v2 (SPEC §16): its own error shape, formats and form parsing, in its own scope.
  await app.register(open311Routes, { prefix: '/open311/v2' });
  await app.register(pages);
  if (deps.queueDashboard) await app.register(queueDashboard);
  return app;
}
