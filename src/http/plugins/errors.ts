// Maps every error to the SPEC §12 body: { statusCode, code, error, message, details, requestId }.
// 5xx bodies carry only the request id; the log carries the cause.
import fp from 'fastify-plugin';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ERROR_MESSAGES, type ErrorDetail } from '../../domain/errors.js';
import { issuesToDetails } from '../../domain/zod-zh.js';
import { isDependencyDown } from '../../resilience.js';

const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_FAILED: 400,
  TICKET_NO_INVALID: 400,
  IDEMPOTENCY_KEY_MISSING: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  SIGNATURE_INVALID: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  TICKET_NOT_FOUND: 404,
  NOT_FOUND: 404,
  ILLEGAL_TRANSITION: 409,
  CONFLICT: 409,
  EXTENSION_PENDING: 409,
  COHANDLING_PENDING: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  EXTENSION_TOO_LATE: 422,
  CALENDAR_MISSING: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ACCOUNT_LOCKED: 429,
  LOOKUP_LOCKED: 429,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  DEPENDENCY_UNAVAILABLE: 503,
};

declare module 'fastify' {
  interface FastifyInstance {
    notFoundPage: { render: ((request: FastifyRequest, reply: FastifyReply) => FastifyReply) | null };
  }
}

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  details?: ErrorDetail[];
  requestId: string;
  [extra: string]: unknown;
}

export function errorBody(
  request: FastifyRequest,
  statusCode: number,
  code: string,
  message?: string,
  details?: ErrorDetail[],
  extra?: Record<string, unknown>,
): ErrorBody {
  return {
    statusCode,
    code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: message ?? (ERROR_MESSAGES as Record<string, string>)[code] ?? code,
    ...(details && details.length > 0 ? { details } : {}),
    ...(extra ?? {}),
    requestId: String(request.id),
  };
}

export function sendError(reply: FastifyReply, err: DomainError): FastifyReply {
  const status = STATUS_BY_CODE[err.code] ?? 400;
  return reply.code(status).send(errorBody(reply.request, status, err.code, err.message, err.details, err.extra));
}

interface ValidationEntry {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * A detail names the field as the client sent it (`verify`, `limit`, `complainant.phone`), whether it
 * came in the body, the query string or the path: services name fields the same way (`cursor`,
 * `ticketNo`), so one route never reports the same query string under two conventions.
 */
function validationDetails(entries: ValidationEntry[]): ErrorDetail[] {
  const issues = entries.map((e) => ({
    code: e.keyword,
    path: e.instancePath.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
    message: e.message ?? '格式不正确',
    keys: Array.isArray(e.params?.keys) ? (e.params.keys as string[]) : undefined,
  }));
  return issuesToDetails(issues);
}

export default fp(async function errorsPlugin(app) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) return sendError(reply, err);
    if (err.validation) {
      const details = validationDetails(err.validation as unknown as ValidationEntry[]);
      return reply.code(400).send(errorBody(request, 400, 'VALIDATION_FAILED', undefined, details));
    }
    const status = err.statusCode ?? 500;
    // @fastify/rate-limit throws what app.ts's errorResponseBuilder made: keep its message (it says when to retry).
    if (status === 429) return reply.code(429).send(errorBody(request, 429, 'RATE_LIMITED', err.message || undefined));
    const multipart = multipartError(err);
    if (multipart) return reply.code(multipart.status).send(errorBody(request, multipart.status, multipart.code, multipart.message));
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, unsupported media type).
      const message =
        err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
          ? '请求体不是有效的 JSON'
          : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? '请求体过大'
            : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? '不支持的内容类型，请使用 application/json'
              : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
                ? '请求体不能为空'
                : '请求无效';
      return reply.code(status).send(errorBody(request, status, status === 400 ? 'VALIDATION_FAILED' : 'BAD_REQUEST', message));
    }
    if (isDependencyDown(err)) {
      // Postgres (or another dependency) is away: a retry later will work, so 503, never 500.
      request.log.warn({ err: err.message, code: err.code }, 'dependency unavailable');
      return reply.code(503).header('retry-after', '5').send(errorBody(request, 503, 'DEPENDENCY_UNAVAILABLE'));
    }
    request.log.error({ err }, 'unhandled error');
    if (status === 503) return reply.code(503).send(errorBody(request, 503, 'SERVICE_UNAVAILABLE'));
    return reply.code(500).send(errorBody(request, 500, 'INTERNAL_ERROR'));
  });

  // Addresses a person opens in a browser get the Chinese page-not-found page (the pages plugin
  // supplies the renderer); the API, Open311 and operations paths keep the JSON body.
  app.decorate('notFoundPage', { render: null });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const machine = /^\/(api|open311|metrics|healthz|readyz|openapi\.json|docs)(\/|$|\.)/.test(path);
    const render = app.notFoundPage.render;
    if (!machine && render && request.method === 'GET') return render(request, reply);
    return reply.code(404).send(errorBody(request, 404, 'NOT_FOUND'));
  });
});

/**
 * @fastify/multipart's errors (app.ts sets its limits: MULTIPART_LIMITS), in the SPEC §12 form
 * with the limit named. Routes with a smaller limit of their own check it themselves.
 */
export const MULTIPART_LIMITS = { fileSize: 20 * 1024 * 1024, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 21 } as const;

function multipartError(err: FastifyError): { status: number; code: string; message: string } | null {
  switch (err.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `文件过大：不能超过 ${MULTIPART_LIMITS.fileSize / 1024 / 1024} MB` };
    case 'FST_FILES_LIMIT':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `一次只能上传 ${MULTIPART_LIMITS.files} 个文件` };
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `表单字段过多：不能超过 ${MULTIPART_LIMITS.fields} 个` };
    case 'FST_PROTO_VIOLATION':
    case 'FST_NO_FORM_DATA':
      return { status: 400, code: 'VALIDATION_FAILED', message: '上传的表单格式不正确' };
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: '请以 multipart/form-data 格式上传文件（字段名 file）' };
    default:
      return null;
  }
}

/**
 * Fastify's `frameworkErrors`: a path it cannot decode (`/notices/%`, `%ED%A0%80`) or a path
 * parameter over its length limit, answered in the SPEC §12 form instead of Fastify's own body.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.code(414).send(errorBody(request, 414, 'BAD_REQUEST', '请求地址中的参数过长'));
    return;
  }
  reply.code(400).send(errorBody(request, 400, 'VALIDATION_FAILED', '请求地址包含无效的编码'));
}
