// fast-check arbitraries for the HTTP fuzz test (test/http/fuzz.test.ts): hostile text (NUL and
// other controls, lone surrogates, RTL and zero-width marks, 1 MB), URL encodings that break
// decoders, deep nesting, prototype keys, and JSON values built from a route's own zod schema
// (through its JSON Schema) with wrong types and hostile strings mixed in.
import fc from 'fast-check';
import { z } from 'zod';

export const NASTY_CHARS = [
  '\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085', '\u009f', // controls
  '\ud800', '\udbff', '\udc00', '\udfff', // lone surrogates
  '\u202e', '\u202d', '\u200f', '\u061c', '\u2067', // bidi overrides and marks (RTL)
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', // zero-width
  '\u2028', '\u2029', '\ufffd', '\uffff', '\t', '\r\n', '😀', '中', '"', '\\', '\'', '<', '%', '&', '=', '+', '/', '.',
];

/** Raw (already percent-encoded) sequences that decodeURIComponent refuses or that decode to NUL. */
export const MALFORMED_ENCODINGS = ['%', '%E0%A4%A', '%ED%A0%80', '%ED%BF%BF', '%C0%80', '%FF', '%%', '%u0000', '%0', '%ZZ', '%00', '%C3%28'];

export const MEGABYTE = 'x'.repeat(1 << 20);

export const SPECIAL_STRINGS = [
  '', ' ', '\u0000', 'null', 'undefined', 'true', '0', '-1', '1e309', 'NaN', '9'.repeat(40), '-0',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  '=HYPERLINK("http://x","y")', '+1', '@SUM(A1)', '\' OR 1=1 --', '"; DROP TABLE tickets; --', '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd', '<script>alert(1)</script>', '{{7*7}}', '<%= 7*7 %>', '${7*7}', '%s%s%s%n',
  '2026-13-45', '2026-02-30T25:61:61Z', '0000-00', '9999-12', '１２３４', '٣٤٥٦', 'ab\ud800cd', 'a\u0000b',
  '\u202eevil\u202c', 'zero\u200bwidth', '\ufeffbom', 'x'.repeat(300), '中'.repeat(3000),
];

/** Inserts 1–3 hostile characters at random places (which may also split a surrogate pair). */
export function withNasty(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(base, fc.array(fc.tuple(fc.constantFrom(...NASTY_CHARS), fc.nat()), { minLength: 1, maxLength: 3 })).map(([s, inserts]) => {
    let out = s;
    for (const [c, at] of inserts) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + c + out.slice(i);
    }
    return out;
  });
}

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 60, arbitrary: withNasty(fc.string({ unit: 'grapheme', maxLength: 20 })) },
  { weight: 30, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 15, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 45, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  // 1 MB: rare here (every route also gets one in its fixed cases), it costs ~0.1 s a request.
  { weight: 1, arbitrary: fc.constantFrom(MEGABYTE, `中${MEGABYTE}`) },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'a\u0000b', '\ud800', '', ' ', 'a.b', 'a[0]', '$where'),
  withNasty(fc.string({ maxLength: 8 })),
);

/** An object with the given entries as own properties, `__proto__` included. */
export function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** `depth` levels of alternating objects and arrays around a hostile leaf. */
export function nested(depth: number, leaf: unknown = 'a\u0000b'): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Any JSON value, of any type, with hostile strings and keys: what a route must refuse cleanly. */
export const wrongValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
    hostileText,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.array(fc.tuple(hostileKey, tie('v')), { maxLength: 3 }).map(objectOf),
    fc.integer({ min: 1, max: 1000 }).map((d) => nested(d)),
  ),
})).v;

type Schema = Record<string, any>;

/** The JSON Schema of a zod schema as clients send it (input side), or null for other schemas. */
export function jsonSchemaOf(schema: unknown): Schema | null {
  if (!(schema instanceof z.ZodType)) return null;
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema;
  } catch {
    return null;
  }
}

function resolveRef(root: Schema, ref: string): Schema {
  return ref.replace(/^#\//, '').split('/').reduce<Schema>((s, p) => s?.[p], root) ?? {};
}

/**
 * How hostile a generated value is. `clean`: valid by the schema (the request should get past
 * validation into the service); `light`: mostly valid, a hostile string or a wrong type here and
 * there; `heavy`: anything goes.
 */
export type Noise = 'clean' | 'light' | 'heavy';

export interface SchemaOptions {
  noise: Noise;
  /** Known good values by property name (`departmentCode` → existing codes), to get past reference checks. */
  hints?: Record<string, readonly string[]>;
}

const WEIGHTS: Record<Noise, { valid: number; nasty: number; hostile: number; wrong: number; extra: number }> = {
  clean: { valid: 1, nasty: 0, hostile: 0, wrong: 0, extra: 0 },
  light: { valid: 30, nasty: 3, hostile: 1, wrong: 1, extra: 1 },
  heavy: { valid: 10, nasty: 6, hostile: 4, wrong: 2, extra: 5 },
};

const cleanAny: fc.Arbitrary<unknown> = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null));

function stringFor(s: Schema, opts: SchemaOptions, name: string | undefined): fc.Arbitrary<string> {
  let valid: fc.Arbitrary<string>;
  if (s.format === 'date-time') {
    valid = fc.date({ min: new Date('2020-01-01'), max: new Date('2031-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  } else if (s.pattern) {
    try {
      valid = fc.stringMatching(new RegExp(s.pattern));
    } catch {
      valid = fc.string({ maxLength: 20 });
    }
  } else {
    const min = Math.min(s.minLength ?? 0, 40);
    valid = fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, Math.min(s.maxLength ?? 40, 40)) });
  }
  const hint = name ? opts.hints?.[name] : undefined;
  if (hint?.length) valid = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hint) }, { weight: 1, arbitrary: valid });
  const w = WEIGHTS[opts.noise];
  if (opts.noise === 'clean') return valid;
  return fc.oneof({ weight: w.valid, arbitrary: valid }, { weight: w.nasty, arbitrary: withNasty(valid) }, { weight: w.hostile, arbitrary: hostileText });
}

function numberFor(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const lo = Math.max(s.minimum ?? s.exclusiveMinimum ?? -1e6, -1e9);
  const hi = Math.min(s.maximum ?? s.exclusiveMaximum ?? 1e6, 1e9);
  return integer ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }) : fc.double({ min: lo, max: hi, noNaN: true });
}

/** Values for a JSON Schema at the given noise: wrong types and hostile text at every level. */
export function fromSchema(s: Schema, opts: SchemaOptions, root: Schema = s, depth = 0, name?: string): fc.Arbitrary<unknown> {
  const valid = validish(s, opts, root, depth, name);
  const w = WEIGHTS[opts.noise];
  return opts.noise === 'clean' ? valid : fc.oneof({ weight: w.valid + w.nasty + w.hostile, arbitrary: valid }, { weight: w.wrong, arbitrary: wrongValue });
}

function validish(s: Schema, opts: SchemaOptions, root: Schema, depth: number, name: string | undefined): fc.Arbitrary<unknown> {
  const any = opts.noise === 'clean' ? cleanAny : wrongValue;
  if (!s || typeof s !== 'object' || depth > 8) return any;
  if (typeof s.$ref === 'string') return fromSchema(resolveRef(root, s.$ref), opts, root, depth + 1, name);
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives) && alternatives.length) return fc.oneof(...alternatives.map((a: Schema) => fromSchema(a, opts, root, depth + 1, name)));
  if (Array.isArray(s.allOf) && s.allOf.length) return validish(s.allOf[0], opts, root, depth + 1, name);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return stringFor(s, opts, name);
    case 'integer':
    case 'number':
      return numberFor(s, type === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromSchema(s.items ?? {}, opts, root, depth + 1, name), { minLength: Math.min(s.minItems ?? 0, 4), maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object': {
      const props = Object.entries((s.properties ?? {}) as Record<string, Schema>);
      const required: string[] = s.required ?? [];
      const record = (entries: [string, Schema][]) => fc.record(Object.fromEntries(entries.map(([k, v]) => [k, fromSchema(v, opts, root, depth + 1, k)])), { requiredKeys: required });
      // Optional fields interact (a name with `anonymous`, WeChat fields off the WeChat channel):
      // half the objects carry only the required ones, so that valid ones are common.
      const known = fc.oneof(record(props.filter(([k]) => required.includes(k))), record(props));
      const w = WEIGHTS[opts.noise];
      if (!w.extra) return known.map((o) => objectOf(Object.entries(o)));
      const extraValue = s.additionalProperties && typeof s.additionalProperties === 'object' ? fromSchema(s.additionalProperties, opts, root, depth + 1) : wrongValue;
      const extras = fc.oneof({ weight: 20, arbitrary: fc.constant([]) }, { weight: w.extra, arbitrary: fc.array(fc.tuple(hostileKey, extraValue), { minLength: 1, maxLength: 3 }) });
      return fc.tuple(known, extras).map(([o, more]) => objectOf([...Object.entries(o), ...more]));
    }
    default:
      return any;
  }
}

/** Every enum value anywhere in a JSON Schema: plausible values for page forms and parameters. */
export function enumValues(s: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(s)) s.forEach((x) => enumValues(x, out));
  else if (s && typeof s === 'object') {
    for (const [k, v] of Object.entries(s)) {
      if (k === 'enum' && Array.isArray(v)) v.forEach((x) => out.add(String(x)));
      else enumValues(v, out);
    }
  }
  return out;
}

/**
 * Percent-encodes like a browser, except that a lone surrogate becomes the bytes a careless
 * encoder would send (WTF-8, e.g. %ED%A0%80): a server must refuse them, not crash on them.
 */
export function enc(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) {
      out += `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase();
    } else out += encodeURIComponent(ch);
  }
  return out;
}

/** `k=v&…` from entries (values encoded), with sometimes a raw malformed pair appended. */
export function urlEncoded(entries: [string, string][], raw: string | null): string {
  const parts = entries.map(([k, v]) => `${enc(k)}=${enc(v)}`);
  if (raw !== null) parts.push(raw);
  return parts.join('&');
}

export const rawMalformedPair: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('q', 'name', 'content', 'x', '__proto__', ''), fc.constantFrom(...MALFORMED_ENCODINGS), fc.boolean())
  .map(([k, bad, inKey]) => (inKey ? `${bad}=${k}` : `${k}=${bad}`));

/** Flattens a generated value into query-string entries (arrays repeat the key, objects go as JSON). */
export function queryEntries(value: unknown): [string, string][] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [['q', typeof value === 'string' ? value : JSON.stringify(value) ?? '']];
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    for (const x of Array.isArray(v) ? v : [v]) out.push([k, typeof x === 'string' ? x : (JSON.stringify(x) ?? '')]);
  }
  return out;
}

/** Header values as HTTP can carry them: bytes 0–255 (Latin-1), controls included. */
export const headerText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom('', ' ', 'a\u0000b', 'key\u0085', 'x'.repeat(8000), 'Bearer hy_abcdefgh_aaaaaaaaaaaaaaaaaaaaaaaa', 'Bearer ', 'Basic YTpi'),
);

/** A form of a server-rendered page: where it posts, and each field with the values the page offers. */
export interface PageForm {
  action: string;
  method: string;
  fields: Map<string, Set<string>>;
  /** Checkboxes and radios: a browser leaves them out when none is ticked. */
  optional: Set<string>;
}

const unescapeHtml = (s: string) =>
  s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x2F;/g, '/');

/** The forms of an HTML page (`<input>`, `<select>` with its options, `<textarea>`, submit buttons). */
export function formsOf(html: string, pageUrl: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = unescapeHtml(/\baction="([^"]*)"/.exec(m[1])?.[1] ?? pageUrl);
    const method = (/\bmethod="([^"]*)"/i.exec(m[1])?.[1] ?? 'GET').toUpperCase();
    const fields = new Map<string, Set<string>>();
    const optional = new Set<string>();
    let select: string | null = null;
    for (const f of m[2].matchAll(/<(input|select|textarea|button|option)\b([^>]*)>/g)) {
      const name = /\bname="([^"]+)"/.exec(f[2])?.[1];
      const value = /\bvalue="([^"]*)"/.exec(f[2])?.[1];
      if (f[1] === 'option') {
        if (select && value !== undefined) fields.get(select)!.add(unescapeHtml(value));
        continue;
      }
      if (!name) continue;
      const key = unescapeHtml(name);
      if (!fields.has(key)) fields.set(key, new Set());
      if (value !== undefined && value !== '') fields.get(key)!.add(unescapeHtml(value));
      if (/\btype="(checkbox|radio)"/.test(f[2])) optional.add(key);
      select = f[1] === 'select' ? key : null;
    }
    forms.push({ action, method, fields, optional });
  }
  return forms;
}
