// The one normalisation of text input at the HTTP edge (SPEC §14 "fuzzed inputs never produce a
// 5xx"). Every string a client sends — body, query string, path parameters and the headers the app
// reads, values and object keys alike, at any depth — is checked once, here, before any guard,
// schema or service sees it:
//
// - C0 and C1 control characters other than \t, \n and \r (and DEL) are refused with 400
//   VALIDATION_FAILED naming the field, because PostgreSQL refuses NUL in text and none of them
//   belongs in a name, a reply or a key. Exception: text a person typed or pasted into a page —
//   a page's urlencoded form body or its query string (the GET filter forms) — has them removed
//   silently (a word processor's vertical tab is not worth an error page);
// - lone UTF-16 surrogates (only a JSON `\ud800` escape can carry one) are refused everywhere: what
//   would be stored (U+FFFD) is not what was sent, which breaks the audit hashes;
// - malformed percent-encoding (`%`, `%E0%A4%A`, `%ED%A0%80`) in a query string or a form body is
//   refused instead of being passed on undecoded;
// - objects nested deeper than MAX_DEPTH are refused (no body of this API nests past 5), which also
//   keeps this walk and the schemas after it from running out of stack.
//
// JSON refusals answer in the SPEC §12 body; a page's refusal is its usual HTML error page.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validationError, type ErrorDetail } from '../../domain/errors.js';
import { pathString } from '../../domain/zod-zh.js';
import { errorBody } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the server-rendered pages: their form bodies and query strings are cleaned, not refused. */
    pageForm?: boolean;
  }
}

export const MAX_DEPTH = 32;
const MAX_DETAILS = 20;

// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE_G = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_RE_G = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export const TEXT_MESSAGES = {
  control: '包含不允许的控制字符',
  surrogate: '包含无效的字符编码',
  keyControl: '字段名包含不允许的控制字符',
  keySurrogate: '字段名包含无效的字符编码',
  percent: '包含无效的 URL 编码（百分号编码不完整或不是 UTF-8）',
  depth: `嵌套层级过深（最多 ${MAX_DEPTH} 层）`,
} as const;

/** Headers the app itself reads (x-request-id is filtered by its own pattern in app.ts). */
const READ_HEADERS = ['idempotency-key', 'x-csrf-token', 'authorization', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];

/** A key as it may appear in a detail path: control characters and lone surrogates spelt as \uXXXX. */
function printable(key: string): string {
  const esc = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return key.replace(CONTROL_RE_G, esc).replace(LONE_SURROGATE_RE_G, esc);
}

type Mode = 'refuse' | 'clean';

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

class Walk {
  readonly details: ErrorDetail[] = [];
  constructor(private readonly mode: Mode) {}

  private problem(path: PropertyKey[], message: string): void {
    if (this.details.length < MAX_DETAILS) this.details.push({ path: pathString(path) || '(body)', message });
  }

  private text(s: string, path: PropertyKey[], key: boolean): string {
    if (LONE_SURROGATE_RE.test(s)) this.problem(path, key ? TEXT_MESSAGES.keySurrogate : TEXT_MESSAGES.surrogate);
    if (!CONTROL_RE.test(s)) return s;
    if (this.mode === 'clean') return s.replace(CONTROL_RE_G, '');
    this.problem(path, key ? TEXT_MESSAGES.keyControl : TEXT_MESSAGES.control);
    return s;
  }

  /** The value with control characters removed in clean mode; the same value in refuse mode. */
  value(v: unknown, path: PropertyKey[]): unknown {
    if (typeof v === 'string') return this.text(v, path, false);
    // Only what the JSON and form parsers make: a Buffer, a stream or a file part is not text.
    if (v === null || typeof v !== 'object' || !(Array.isArray(v) || isPlainObject(v))) return v;
    if (path.length >= MAX_DEPTH) {
      this.problem(path, TEXT_MESSAGES.depth);
      return v;
    }
    if (Array.isArray(v)) {
      if (this.mode === 'refuse') {
        v.forEach((x, i) => this.value(x, [...path, i]));
        return v;
      }
      return v.map((x, i) => this.value(x, [...path, i]));
    }
    if (this.mode === 'refuse') {
      for (const [k, x] of Object.entries(v)) {
        const keyPath = [...path, printable(k)];
        this.text(k, keyPath, true);
        this.value(x, keyPath);
      }
      return v;
    }
    // Clean mode builds a new object without a prototype, like the form parser's, so a field named
    // __proto__ stays a field.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v)) {
      const keyPath = [...path, printable(k)];
      out[this.text(k, keyPath, true)] = this.value(x, keyPath);
    }
    return out;
  }
}

function decode(component: string): string | null {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * Parses `application/x-www-form-urlencoded` text (a form body or a query string) strictly: a
 * malformed percent-encoding is a 400 naming the field, not a value passed on undecoded. Repeated
 * names give an array, as @fastify/formbody's default parser does.
 */
export function parseUrlEncoded(text: string): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  const details: ErrorDetail[] = [];
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const key = decode(rawKey);
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    if (key === null || value === null) {
      if (details.length < MAX_DETAILS) details.push({ path: printable(key ?? rawKey), message: TEXT_MESSAGES.percent });
      continue;
    }
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  if (details.length) throw validationError(details, `提交的内容有误：${TEXT_MESSAGES.percent}`);
  return out;
}

function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

async function refuse(request: FastifyRequest, reply: FastifyReply, details: ErrorDetail[]): Promise<FastifyReply> {
  // Pages show their own error page; everything else (the API, the queue dashboard with its own
  // error handler) gets the SPEC §12 body straight from here.
  if (request.routeOptions.config?.pageForm) throw validationError(details, `提交的内容有误：${details[0].message}`);
  return reply.code(400).send(errorBody(request, 400, 'VALIDATION_FAILED', undefined, details));
}

export function checkTextInput(request: FastifyRequest): ErrorDetail[] {
  const page = request.routeOptions.config?.pageForm === true;
  const details: ErrorDetail[] = [];

  const strict = new Walk('refuse');
  for (const name of READ_HEADERS) {
    const v = request.headers[name];
    if (v !== undefined) strict.value(v, [headerName(name)]);
  }
  strict.value(request.params, []);
  details.push(...strict.details);

  const q = request.raw.url?.indexOf('?') ?? -1;
  if (q >= 0 && request.raw.url!.includes('%', q)) {
    try {
      parseUrlEncoded(request.raw.url!.slice(q + 1));
    } catch (err) {
      details.push(...((err as { details?: ErrorDetail[] }).details ?? []));
    }
  }
  const query = new Walk(page ? 'clean' : 'refuse');
  const cleanedQuery = query.value(request.query, []);
  details.push(...query.details);

  const form = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true;
  const body = new Walk(form ? 'clean' : 'refuse');
  const cleanedBody = body.value(request.body, []);
  details.push(...body.details);

  if (details.length === 0) {
    if (page) request.query = cleanedQuery;
    if (form) request.body = cleanedBody;
  }
  return details.slice(0, MAX_DETAILS);
}

export default fp(async function textInputPlugin(app: FastifyInstance) {
  // preValidation: after the body is parsed, before every guard and schema (root hooks run first).
  app.addHook('preValidation', async (request, reply) => {
    const details = checkTextInput(request);
    if (details.length) return refuse(request, reply, details);
  });
});

/** Marks every route registered in `app` (and its children) as a page whose forms are cleaned. */
export function markPageForms(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), pageForm: true };
  });
}
