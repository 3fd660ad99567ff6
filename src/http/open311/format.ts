// Open311 answers in the two formats of the standard: JSON (top-level arrays, except discovery and
// a service definition) and XML with its prolog; the content types exactly as clients expect them.
import type { FastifyReply } from 'fastify';

export type Format = 'json' | 'xml';
export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
};

/** The format a path asks for by its suffix (`requests.xml`); JSON when it names neither. */
export function formatOfPath(path: string): Format {
  return /\.xml$/i.test(path.split('?')[0]) ? 'xml' : 'json';
}

/** `name.json` / `name.xml` → [name, format]; null for any other suffix. */
export function splitSuffix(file: string): [string, Format] | null {
  const m = /^(.+)\.(json|xml)$/.exec(file);
  return m ? [m[1], m[2] as Format] : null;
}

/** The element name of one item of a list element. */
const ITEM: Record<string, string> = {
  services: 'service',
  service_requests: 'request',
  service_request_updates: 'request_update',
  errors: 'error',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
};

function escape(s: string): string {
  return s
    // XML 1.0 cannot carry these characters at all, escaped or not: they are dropped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function element(name: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return `<${name}></${name}>`;
  if (Array.isArray(value)) {
    const item = ITEM[name] ?? 'item';
    return `<${name}>${value.map((v) => element(item, v)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value as Record<string, unknown>).map(([k, v]) => element(k, v)).join('')}</${name}>`;
  }
  return `<${name}>${escape(String(value))}</${name}>`;
}

export function toXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value)}\n`;
}

export function send(reply: FastifyReply, format: Format, root: string, value: unknown): FastifyReply {
  reply.type(CONTENT_TYPES[format]);
  return reply.send(format === 'xml' ? toXml(root, value) : JSON.stringify(value));
}

/** The Open311 error shape: `[{ code, description }]` / `<errors><error>…</error></errors>`. */
export function errorPayload(format: Format, status: number, description: string): string {
  const errors = [{ code: status, description }];
  return format === 'xml' ? toXml('errors', errors) : JSON.stringify(errors);
}
