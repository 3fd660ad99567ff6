// /open311/v2 (SPEC §16): GeoReport v2 and the mySociety servicerequestupdates extension, in JSON
// and XML. Every answer of this tree — errors from guards, the text-input check, the rate limit,
// unknown paths — leaves in the Open311 error shape of the format the path asked for. Open to
// anyone for reading; posting needs an API key with scope `open311` (form field `api_key`, or the
// `Authorization: Bearer` header), else 403.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { parseUrlEncoded } from '../plugins/text-input.js';
import { apiKeyActor } from '../plugins/auth.js';
import * as open311 from '../../services/open311.service.js';
import { CONTENT_TYPES, errorPayload, formatOfPath, send, splitSuffix, type Format } from './format.js';

type Raw = Record<string, unknown>;

const FORMATS: Format[] = ['json', 'xml'];

function fieldsOf(request: FastifyRequest): Raw {
  const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Raw) : {};
  return { ...(request.query as Raw), ...body };
}

/** A path parameter `x.json` / `x.xml`; any other suffix is an unknown path (404 in JSON). */
function fileParam(request: FastifyRequest, what: string): [string, Format] {
  const file = (request.params as { file: string }).file;
  const split = splitSuffix(file);
  if (!split) throw new DomainError('NOT_FOUND', `没有这个地址：请以 .json 或 .xml 结尾（${what}）`);
  return split;
}

async function requireKey(app: FastifyInstance, request: FastifyRequest): Promise<open311.Open311Key> {
  const fields = fieldsOf(request);
  let given = fields.api_key;
  if (Array.isArray(given)) given = given[given.length - 1];
  const auth = request.headers.authorization;
  if ((typeof given !== 'string' || given.trim() === '') && auth?.startsWith('Bearer ')) given = auth.slice(7);
  const actor = typeof given === 'string' && given.trim() !== '' ? await apiKeyActor(app.deps, given) : null;
  if (!actor || !actor.scopes.includes('open311')) {
    throw new DomainError('FORBIDDEN', 'api_key 缺失、无效、已停用或没有 open311 权限');
  }
  return { keyId: actor.keyId, name: actor.name };
}

/** A SPEC §12 error body (from the shared error handler or the text-input check) in the Open311 shape. */
function asOpen311Error(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
  const type = String(reply.getHeader('content-type') ?? '');
  if (!type.startsWith('application/json')) return payload;
  let body: { statusCode?: number; message?: string; details?: { path: string; message: string }[] } | unknown[];
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  if (Array.isArray(body) || typeof body !== 'object' || body === null || typeof body.message !== 'string') return payload;
  const details = body.details?.length ? `（${body.details.map((d) => `${d.path}: ${d.message}`).join('；')}）` : '';
  const format = formatOfPath(request.url);
  reply.header('content-type', CONTENT_TYPES[format]);
  return errorPayload(format, reply.statusCode, `${body.message}${details}`);
}

const DOCS = {
  tags: ['open311'],
};

export default async function open311Routes(app: FastifyInstance): Promise<void> {
  // Form bodies as Open311 clients send them, with or without a charset; strict percent-decoding.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseUrlEncoded(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('onSend', async (request, reply, payload) => asOpen311Error(request, reply, payload));
  app.setNotFoundHandler((request, reply) => {
    const format = formatOfPath(request.url);
    reply.code(404).type(CONTENT_TYPES[format]).send(errorPayload(format, 404, '没有这个 Open311 地址'));
  });

  const rateLimit = { max: app.deps.config.PUBLIC_LOOKUP_RATE_LIMIT, timeWindow: 60_000 };
  const config = { rateLimit };
  /** A route's options: the per-IP limit and its OpenAPI summary and description. */
  const doc = (summary: string, description?: string) => ({ config, schema: { ...DOCS, summary, ...(description ? { description } : {}) } });
  const base = app.deps.config.PUBLIC_BASE_URL.replace(/\/$/, '');

  for (const format of FORMATS) {
    app.get(`/discovery.${format}`, { config, schema: { ...DOCS, summary: `Open311 discovery (${format})` } }, async (_request, reply) =>
      send(reply, format, 'discovery', {
        changeset: '2026-01-01T00:00:00+08:00',
        contact: `${app.deps.config.TOWNSHIP_NAME}（${app.deps.config.TOWNSHIP_HOTLINES.join('、') || '见官网'}）`,
        key_service: '接口密钥由管理员在“接口密钥”页面发放（权限范围 open311）',
        endpoints: [
          {
            specification: 'http://wiki.open311.org/GeoReport_v2',
            url: `${base}/open311/v2`,
            changeset: '2026-01-01T00:00:00+08:00',
            type: 'production',
            formats: ['text/xml', 'application/json'],
          },
        ],
      }),
    );

    app.get(`/services.${format}`, { config, schema: { ...DOCS, summary: `服务列表 services (${format}): active categories` } }, async (_request, reply) =>
      send(reply, format, 'services', await open311.listServices(app.deps)),
    );

    app.post(
      `/requests.${format}`,
      doc(
        `提交诉求 POST requests (${format})`,
        'Form-urlencoded: `api_key` (scope open311), `service_code`, `lat`+`long` or `address_string`, `description`, optional `first_name`, `last_name`, `phone`, `email`, `attribute[kind]`, `device_id`, `account_id`, `media_url`, `jurisdiction_id`. Empty values count as absent. Same key and same fields within minutes → the same `service_request_id`.',
      ),
      async (request, reply) => {
        const key = await requireKey(app, request);
        return send(reply.code(201), format, 'service_requests', await open311.submitRequest(app.deps, key, fieldsOf(request)));
      },
    );

    app.get(
      `/requests.${format}`,
      doc(
        `诉求列表 GET requests (${format})`,
        'Filters: `service_request_id` (comma list; overrides every other filter), `service_code` (comma list), `start_date`, `end_date` (W3C with `Z` or an offset), `status` (open, closed). Default: the last 90 days, at most 1000.',
      ),
      async (request, reply) => send(reply, format, 'service_requests', await open311.listRequests(app.deps, fieldsOf(request))),
    );

    app.get(
      `/servicerequestupdates.${format}`,
      { config, schema: { ...DOCS, summary: `诉求进展 servicerequestupdates (${format}), mySociety extension`, description: '`start_date`, `end_date`: public timeline events in that window, oldest first.' } },
      async (request, reply) => send(reply, format, 'service_request_updates', await open311.listUpdates(app.deps, fieldsOf(request))),
    );

    app.post(
      `/servicerequestupdates.${format}`,
      { config, schema: { ...DOCS, summary: `补充进展 POST servicerequestupdates (${format})`, description: 'Form: `api_key`, `service_request_id`, `description`, optional `update_id`, `status`, `updated_datetime`, names, `email`, `media_url`. Kept for staff; never shown publicly.' } },
      async (request, reply) => {
        const key = await requireKey(app, request);
        return send(reply.code(201), format, 'service_request_updates', await open311.postUpdate(app.deps, key, fieldsOf(request)));
      },
    );
  }

  app.get('/services/:file', { config, schema: { ...DOCS, summary: '服务定义 services/{service_code}.{json|xml}' } }, async (request, reply) => {
    const [code, format] = fileParam(request, 'services/{service_code}');
    const definition = await open311.serviceDefinition(app.deps, code);
    return send(reply, format, 'service_definition', definition);
  });

  app.get('/requests/:file', { config, schema: { ...DOCS, summary: '单个诉求 requests/{service_request_id}.{json|xml}' } }, async (request, reply) => {
    const [id, format] = fileParam(request, 'requests/{service_request_id}');
    return send(reply, format, 'service_requests', await open311.getRequest(app.deps, id));
  });
}
