// Text as PostgreSQL stores it. `text` and `jsonb` cannot hold U+0000 (the insert fails), and a lone
// UTF-16 surrogate reaches the server as U+FFFD (node-postgres encodes strings as UTF-8) or, inside
// JSON, as an escape that `jsonb` refuses. Whatever is hashed before it is stored (the audit chain)
// must be this form, or the stored row no longer matches its hash. The HTTP edge refuses such input
// with 400; this is the repositories' defence in depth, for every other way text arrives.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Lone surrogates → U+FFFD (what the server would store), then U+0000 removed. */
export function storableText(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '');
}

/**
 * A JSON value as `jsonb` will hold it: `toJSON` applied (a Date becomes its ISO string), undefined
 * members dropped, and every string — object keys too — storable.
 */
export function storableJson(value: unknown): unknown {
  const plain: unknown = value === undefined ? null : JSON.parse(JSON.stringify(value));
  return clean(plain);
}

function clean(v: unknown): unknown {
  if (typeof v === 'string') return storableText(v);
  if (Array.isArray(v)) return v.map(clean);
  // Object.fromEntries defines own properties, so a "__proto__" key stays a key.
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [storableText(k), clean(x)]));
  return v;
}
