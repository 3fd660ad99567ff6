// Property-based fuzzing of every route the app registers (SPEC §14: fuzzed inputs never produce a
// 5xx). The route table is read from Fastify itself (an onRoute hook installed before any route),
// never from a hand list, and the test fails unless every registered (method, path) was reached.
// For each route, signed in (a staff member holding every role, admin included, so no guard stops
// the request early) and anonymous: a fixed set of hostile requests, then fast-check's random ones —
// path parameters, query strings, JSON bodies built from the route's own zod schema, form bodies
// for the pages, and the headers the app reads, all salted with NUL and other controls, lone
// surrogates, RTL and zero-width marks, 1 MB strings, 1000-level nesting, wrong types, prototype keys
// and malformed percent-encoding. Any 5xx fails with fast-check's seed and the shrunk counterexample.
//
// Reproduce a run: FUZZ_SEED=<seed printed below>; more runs per route: FUZZ_RUNS=<n> (with
// `--timeout=0` past tap's 120 s); FUZZ_DEBUG=1 prints time and answers per route; FUZZ_TRACE='POST
// /api/v1/tickets' prints every answer of one route.
import t from 'tap';
import fc from 'fast-check';
import type { RouteOptions } from 'fastify';
import { createStaff, json, login, registrationRequest, setupApp } from '../helpers/app.js';
import {
  enc, enumValues, formsOf, fromSchema, hostileKey, hostileText, headerText, jsonSchemaOf, MEGABYTE, MALFORMED_ENCODINGS, nested,
  queryEntries, rawMalformedPair, urlEncoded, withNasty, wrongValue, type Noise,
} from '../helpers/fuzz-arbitraries.js';
import { ACTION_BODIES, type ActionName } from '../../src/domain/action-bodies.js';
import { QUEUE_NAMES } from '../../src/queue/names.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 6);
t.comment(`fuzz seed ${SEED} (re-run with FUZZ_SEED=${SEED}), ${RUNS} random requests per route and mode`);

interface Route {
  method: string;
  url: string;
  options: RouteOptions;
}
const routes: Route[] = [];
const reached = new Set<string>();
let lastError: string | null = null;

const ctx = await setupApp(t, {
  queueDashboard: true,
  // Behind a proxy, so that X-Forwarded-For reaches request.ip (the login audit, the rate limits).
  // The WeChat / WeCom callbacks configured, so fuzzed requests reach their signature checks.
  env: {
    PUBLIC_LOOKUP_RATE_LIMIT: '100000', TRUST_PROXY: 'true',
    WECOM_CALLBACK_TOKEN: 'fuzzToken', WECOM_CALLBACK_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', WECOM_CORP_ID: 'wwFuzzCorp',
    WECHAT_MP_TOKEN: 'fuzzMpToken',
  },
  onRoute: (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, options: r });
    // Which route answered (coverage), and the cause of any 5xx for the failure message.
    const onResponse = async (request: { method: string; routeOptions: { url?: string } }) => {
      reached.add(`${request.method} ${request.routeOptions.url}`);
    };
    const onError = async (_request: unknown, _reply: unknown, err: Error) => {
      lastError = err.stack ?? String(err);
    };
    const hooks = r as unknown as Record<string, unknown>;
    hooks.onResponse = [...[hooks.onResponse ?? []].flat(), onResponse];
    hooks.onError = [...[hooks.onError ?? []].flat(), onError];
  },
});

// ---------------------------------------------------------------------------------------------
// Known good values, so that requests get past "not found" into the handlers.

const superName = await createStaff(ctx, ['admin', 'clerk', 'supervisor', 'leader', 'handler'], 'cj');
let admin = await login(ctx, superName);
let relogins = 0;
const clerkName = await createStaff(ctx, ['clerk']);
const registered: string[] = [];
for (const content of ['村口路灯坏了一个多月，晚上很黑', '垃圾清运不及时，村口堆了好几天']) {
  const res = await ctx.app.inject(registrationRequest(admin, { channel: 'phone', kind: 'help', content, complainant: { name: '张三', phone: '13900001111' } }));
  if (res.statusCode !== 201) throw new Error(res.body);
  registered.push(json(res).ticketNo);
}
const keyRes = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: '测试接口', scopes: ['intake:api'] } });
if (keyRes.statusCode !== 201) throw new Error(`could not create the fuzz test's API key: ${keyRes.body}`);
const apiKey = json(keyRes) as { prefix: string; key: string };
for (const [url, payload] of [['/api/v1/admin/notices', { month: '2026-11' }], ['/api/v1/notices/2026-11/publish', undefined]] as const) {
  const res = await ctx.app.inject({ method: 'POST', url, headers: admin.headers, payload });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.body}`);
}
const categoryCode = (await ctx.db.pool.query<{ code: string }>('SELECT code FROM categories ORDER BY code LIMIT 1')).rows[0].code;

const KNOWN: Record<string, string[]> = {
  ticketNo: registered,
  no: registered,
  username: [clerkName],
  key: [clerkName, 'cj', categoryCode],
  code: ['cj', categoryCode],
  year: ['2026', '2027'],
  month: ['2026-11', '2026-10'],
  file: ['2026-11', '2026-11.csv', '2026-11.txt'],
  prefix: [apiKey.prefix],
  queueName: [...QUEUE_NAMES],
  jobId: ['1'],
  queueStatus: ['failed', 'completed', 'delayed'],
  schedulerId: ['x'],
  '*': ['app.css', 'index.html', 'swagger-ui.css'],
};
for (const r of routes) {
  // Parameter enums from the routes' own schemas (the 13 actions, …).
  const params = jsonSchemaOf(r.options.schema?.params);
  for (const [name, s] of Object.entries((params?.properties ?? {}) as Record<string, unknown>)) {
    KNOWN[name] = [...new Set([...(KNOWN[name] ?? []), ...enumValues(s)])];
  }
}

const isPage = (r: Route) => r.options.config?.pageForm === true;
const routeKey = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const paramNames = (url: string) => url.split('/').filter((s) => s.startsWith(':') || s === '*').map((s) => (s === '*' ? '*' : s.slice(1)));
const fill = (url: string, values: Record<string, string>) =>
  url.split('/').map((s) => (s === '*' ? values['*'] : s.startsWith(':') ? values[s.slice(1)] : s)).join('/');
const knownPath = (r: Route) => fill(r.url, Object.fromEntries(paramNames(r.url).map((n) => [n, enc(KNOWN[n]?.[0] ?? 'x')])));
const pattern = (url: string) => new RegExp(`^${url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+').replace(/\*/g, '.*')}$`);

// The pages' forms, read from the pages themselves: for each route, the fields its forms send and
// the values the page offers for them (options, radios, hidden fields).
const FORMS = new Map<string, Map<string, Set<string>>>();
const OPTIONAL = new Set<string>();
const fieldNames = new Set<string>(['q', 'no', 'verify', 'next', 'month', 'format', 'cursor', 'unmask']);
for (const r of routes.filter((r) => isPage(r) && r.method === 'GET')) {
  const url = knownPath(r);
  const res = await ctx.app.inject({ method: 'GET', url, headers: { cookie: `hy_session=${admin.cookie}` } });
  for (const form of formsOf(res.body, url)) {
    const target = routes.find((x) => x.method === form.method && isPage(x) && pattern(x.url).test(form.action.split('?')[0]));
    if (!target) continue;
    const fields = FORMS.get(routeKey(target)) ?? new Map<string, Set<string>>();
    for (const [name, values] of form.fields) {
      if (name === '_csrf') continue;
      fieldNames.add(name);
      fields.set(name, new Set([...(fields.get(name) ?? []), ...values]));
      if (form.optional.has(name)) OPTIONAL.add(name);
    }
    FORMS.set(routeKey(target), fields);
  }
}
const village = (await ctx.db.pool.query<{ code: string }>(`SELECT code FROM departments WHERE kind = 'village' ORDER BY code LIMIT 1`)).rows[0]?.code;
/** Known good values by field name, for JSON bodies and forms alike. */
const HINTS: Record<string, string[]> = {
  departmentCode: ['cj', 'sw'], categoryCode: [categoryCode], villageCode: village ? [village] : [], ticketNo: registered,
  intoTicketNo: registered, no: registered, username: [clerkName], phone: ['13900001111'], verify: ['1111'], month: ['2026-11'],
  content: ['村口路灯坏了一个多月，晚上很黑'], receivedAt: ['2026-11-25T09:00:00+08:00', '2026-11-20T02:00:00Z'], reason: ['不属于本部门职责'], note: ['已电话联系'], reply: ['已修复'],
};
const plausible = [
  ...new Set([
    ...Object.values(KNOWN).flat(), ...Object.values(HINTS).flat(),
    ...routes.flatMap((r) => [...enumValues(jsonSchemaOf(r.options.schema?.body)), ...enumValues(jsonSchemaOf(r.options.schema?.querystring))]),
    'true', 'false', '1', '3', '2026-11-05', '2026-11-05T09:30:00+08:00', '张三', 'working_days', 'hours',
  ]),
];
t.comment(`${routes.length} routes registered; forms of ${FORMS.size} page routes (${fieldNames.size} field names); ${plausible.length} plausible values`);

// ---------------------------------------------------------------------------------------------
// One request: a path with parameters filled in, a query string, a body, and extra headers.

interface Spec {
  path: string;
  query: string | null;
  body: { contentType: string; text: string } | null;
  headers: Record<string, string>;
  /** Signed-in requests: send the session's CSRF token (header, and `_csrf` in forms). */
  csrf: boolean;
}

type Mode = 'signed-in' | 'anonymous';
let requests = 0;
/** Answers by status class, overall and per route: how deep the requests got (2xx/3xx passed every check). */
const classes: Record<string, number> = {};
const byRoute = new Map<string, Record<string, number>>();

async function send(route: Route, mode: Mode, spec: Spec): Promise<void> {
  const headers: Record<string, string> = {};
  let body = spec.body;
  if (mode === 'signed-in') {
    const session = admin;
    headers.cookie = `hy_session=${session.cookie}`;
    if (spec.csrf) {
      headers['x-csrf-token'] = session.csrf;
      if (body?.contentType === 'application/x-www-form-urlencoded') body = { ...body, text: `${body.text}&_csrf=${session.csrf}` };
    }
  }
  if (body) headers['content-type'] = body.contentType;
  Object.assign(headers, spec.headers);
  const url = spec.query === null ? spec.path : `${spec.path}?${spec.query}`;
  lastError = null;
  requests++;
  const res = await ctx.app.inject({ method: route.method as 'GET', url, headers, payload: body?.text });
  if (process.env.FUZZ_TRACE && `${route.method} ${route.url}` === process.env.FUZZ_TRACE) console.error(res.statusCode, body?.text.slice(0, 200), res.body.slice(0, 300));
  const cls = `${String(res.statusCode)[0]}xx`;
  classes[cls] = (classes[cls] ?? 0) + 1;
  const key = `${mode} ${route.method} ${route.url}`;
  const counts = byRoute.get(key) ?? {};
  counts[res.statusCode] = (counts[res.statusCode] ?? 0) + 1;
  byRoute.set(key, counts);
  // A request that signed out ended the session the other requests use: sign in again.
  if (mode === 'signed-in' && route.url.endsWith('/logout') && res.statusCode < 400) {
    admin = await login(ctx, superName);
    relogins++;
  }
  if (res.statusCode >= 500) {
    throw new Error(`${res.statusCode} for ${route.method} ${url.slice(0, 300)}\nsent: ${body?.contentType} ${body?.text.slice(0, 300)}\nanswer: ${res.body.slice(0, 300)}\ncause: ${lastError ?? '(none logged)'}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries per route.

const someOf = <T>(values: readonly T[], fallback: fc.Arbitrary<T>) => (values.length ? fc.constantFrom(...values) : fallback);
const plausibleValue = fc.constantFrom(...plausible);
const hostileOrNasty = fc.oneof(hostileText, withNasty(plausibleValue));

function paramArb(name: string, noise: Noise): fc.Arbitrary<string> {
  const known = someOf(KNOWN[name] ?? [], plausibleValue).map(enc);
  if (noise === 'clean') return known;
  const bad = fc.oneof(
    { weight: 3, arbitrary: hostileOrNasty.map(enc) },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_ENCODINGS, '..', '%2e%2e', '%2F', '..%2F..%2Fetc%2Fpasswd', 'a/b', '') },
  );
  return fc.oneof({ weight: noise === 'light' ? 9 : 4, arbitrary: known }, { weight: noise === 'light' ? 1 : 4, arbitrary: bad });
}

const fieldName = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...fieldNames) }, { weight: 1, arbitrary: hostileKey });
/** Any fields from any page, any values: the heavy form body. */
const anyFormBody = fc
  .tuple(fc.array(fc.tuple(fieldName, fc.oneof(plausibleValue, hostileOrNasty)), { maxLength: 8 }), fc.option(rawMalformedPair, { freq: 5 }))
  .map(([entries, raw]) => ({ contentType: 'application/x-www-form-urlencoded', text: urlEncoded(entries, raw) }));

/** The fields a page's own form sends, with values it offers; `light` spoils one of them. */
function pageFields(fields: Map<string, Set<string>> | undefined, noise: Noise): fc.Arbitrary<[string, string][]> | null {
  if (!fields?.size || noise === 'heavy') return null;
  const entries = [...fields].map(([name, offered]) => {
    const value = someOf([...offered], someOf(HINTS[name] ?? [], plausibleValue)).map((v): [string, string][] => [[name, v]]);
    return OPTIONAL.has(name) ? fc.oneof(value, fc.constant([])) : value;
  });
  const clean = fc.tuple(...entries).map((lists) => lists.flat());
  if (noise === 'clean') return clean;
  return fc.tuple(clean, fc.nat(), hostileOrNasty).map(([list, i, v]) => list.map((e, j): [string, string] => (j === i % list.length ? [e[0], v] : e)));
}

function queryArb(r: Route, noise: Noise): fc.Arbitrary<string | null> {
  const schema = jsonSchemaOf(r.options.schema?.querystring);
  const form = pageFields(FORMS.get(routeKey(r)), noise);
  const entries: fc.Arbitrary<[string, string][]> = schema
    ? fromSchema(schema, { noise, hints: HINTS }).map(queryEntries)
    : (form ?? (noise === 'heavy' ? fc.array(fc.tuple(fieldName, fc.oneof(plausibleValue, hostileOrNasty)), { maxLength: 5 }) : fc.constant([])));
  const raw = noise === 'clean' ? fc.constant(null) : fc.option(rawMalformedPair, { freq: noise === 'light' ? 10 : 3 });
  return fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: fc.tuple(entries, raw).map(([e, bad]) => urlEncoded(e, bad)) });
}

const RAW_JSON = [
  '{', '{"a":', '\u0000', '\ufeff{}', 'null', '[]', '"x"', '123', 'true', '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}', '{"prototype":{"admin":true},"constructor":1}', '{"a":1,"a":2}',
  '"\\ud800"', '{"a":"\\u0000"}', '{"\\u0000":1}', `{"a":"${MEGABYTE}"}`, `${'['.repeat(1000)}${']'.repeat(1000)}`,
];
const rawBody = fc.oneof(
  fc.constantFrom(...RAW_JSON).map((text) => ({ contentType: 'application/json', text })),
  fc.tuple(fc.constantFrom('text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml', '', 'application/x-www-form-urlencoded; charset=utf-16'), hostileText)
    .map(([contentType, text]) => ({ contentType, text })),
);

function bodyArb(r: Route, noise: Noise, action: string | undefined): fc.Arbitrary<Spec['body']> {
  // The actions route takes a different body per action: the app's own table of action schemas.
  const zodBody = !isPage(r) && action && action in ACTION_BODIES ? ACTION_BODIES[action as ActionName] : r.options.schema?.body;
  const schema = jsonSchemaOf(zodBody);
  const value = schema ? fromSchema(schema, { noise, hints: HINTS }) : noise === 'clean' ? fc.constant({}) : wrongValue;
  const jsonBody = value.map((v) => ({ contentType: 'application/json', text: JSON.stringify(v) ?? 'null' }));
  const form = pageFields(FORMS.get(routeKey(r)), noise)?.map((e) => ({ contentType: 'application/x-www-form-urlencoded', text: urlEncoded(e, null) }));
  const odd = fc.oneof(anyFormBody, rawBody, fc.constant(null));
  if (r.method === 'GET' || r.method === 'HEAD') return noise === 'clean' ? fc.constant(null) : fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, jsonBody, odd);
  const main = isPage(r) ? (form ?? anyFormBody) : jsonBody;
  if (noise === 'clean') return main;
  return fc.oneof({ weight: noise === 'light' ? 12 : 4, arbitrary: main }, { weight: 1, arbitrary: isPage(r) ? jsonBody : anyFormBody }, { weight: 1, arbitrary: odd });
}

const idempotencyKey = fc.stringMatching(/^[A-Za-z0-9_.:-]{8,100}$/);
const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'idempotency-key': fc.oneof({ weight: 3, arbitrary: idempotencyKey }, headerText),
      'x-csrf-token': headerText,
      authorization: fc.oneof(headerText, fc.constant(`Bearer ${apiKey.key}`)),
      'x-forwarded-for': headerText,
      'x-request-id': headerText,
      // Replaces the session cookie: a garbled or foreign cookie header.
      cookie: fc.oneof(headerText.map((v) => `hy_session=${v}`), headerText.map((v) => `hy_login_csrf=${v}; hy_session=${v}`), headerText),
    },
    { requiredKeys: ['idempotency-key'] },
  )
  .map((h) => h as Record<string, string>);

function headersArb(noise: Noise): fc.Arbitrary<Record<string, string>> {
  const clean = idempotencyKey.map((k) => ({ 'idempotency-key': k }));
  if (noise === 'clean') return clean;
  return fc.oneof({ weight: noise === 'light' ? 9 : 2, arbitrary: clean }, { weight: 1, arbitrary: hostileHeaders });
}

function specAt(r: Route, noise: Noise): fc.Arbitrary<Spec> {
  const names = paramNames(r.url);
  return fc.tuple(...names.map((n) => paramArb(n, noise))).chain((vals) => {
    const values = Object.fromEntries(names.map((n, i) => [n, vals[i]]));
    return fc.record({
      path: fc.constant(fill(r.url, values)),
      query: queryArb(r, noise),
      body: bodyArb(r, noise, values.action),
      headers: headersArb(noise),
      csrf: noise === 'clean' ? fc.constant(true) : fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
    });
  });
}

/** Random requests: 30 % valid ones (deep into the services), 40 % nearly valid, 30 % hostile. */
function specArb(r: Route): fc.Arbitrary<Spec> {
  return fc.oneof({ weight: 3, arbitrary: specAt(r, 'clean') }, { weight: 4, arbitrary: specAt(r, 'light') }, { weight: 3, arbitrary: specAt(r, 'heavy') });
}

// The fixed-size part: the same hostile requests for every route. Signed in, every route gets all
// of them; HEAD routes (their GET twin's handler) and anonymous requests (stopped by the guard
// after the edge checks) get the ones that reach the edge checks, to keep the run short.
function fixedSpecs(r: Route, mode: Mode): Spec[] {
  const base: Spec = { path: knownPath(r), query: null, body: null, headers: {}, csrf: true };
  const schema = jsonSchemaOf(r.options.schema?.body);
  const props = Object.keys((schema?.properties ?? {}) as object);
  const fieldsFor = props.length ? props : isPage(r) ? [...(FORMS.get(routeKey(r))?.keys() ?? fieldNames)] : ['name', 'content'];
  const everyField = (v: unknown) => JSON.stringify(Object.fromEntries(fieldsFor.map((k) => [k, v])));
  const jsonB = (text: string) => ({ contentType: 'application/json', text });
  const formB = (text: string) => ({ contentType: 'application/x-www-form-urlencoded', text });
  const qs = jsonSchemaOf(r.options.schema?.querystring);
  const queryKeys = Object.keys((qs?.properties ?? {}) as object);
  const keys = queryKeys.length ? queryKeys : ['q', 'no', 'month', 'next'];
  const names = paramNames(r.url);
  const withParams = (v: string) => fill(r.url, Object.fromEntries(names.map((n) => [n, v])));
  const edge: Spec[] = [
    base,
    { ...base, query: keys.map((k) => `${enc(k)}=a%00b`).join('&') },
    { ...base, query: keys.map((k) => `${enc(k)}=%ED%A0%80&${enc(k)}=%&${enc(k)}=%E0%A4%A`).join('&') },
    ...(names.length ? [{ ...base, path: withParams('%00') }, { ...base, path: withParams('%ED%A0%80') }, { ...base, path: withParams('%') }] : []),
  ];
  if (r.method === 'HEAD') return edge;
  const bodies: Spec[] = [
    { ...base, body: jsonB(everyField('a\u0000b')) },
    { ...base, body: jsonB(everyField('ab\ud800cd')) },
    { ...base, body: jsonB('{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"prototype":1}') },
    { ...base, body: formB(fieldsFor.map((k) => `${enc(k)}=a%00b%0Bc%E2%80%AE`).join('&')) },
    { ...base, headers: { 'idempotency-key': 'key\u0000key-key', 'x-csrf-token': 'x\u0085', 'x-forwarded-for': '1.2.3.4\u0000' } },
  ];
  if (mode === 'anonymous') return [...edge, ...bodies];
  return [
    ...edge,
    ...bodies,
    { ...base, body: jsonB(everyField('\u202e\u200b\u0085\u001b')) },
    { ...base, body: jsonB(everyField('\u202e\u200b\u200d\ufeff زاویه')) },
    { ...base, body: jsonB(JSON.stringify({ [fieldsFor[0]]: MEGABYTE })) },
    { ...base, body: jsonB(everyField(123)) },
    { ...base, body: jsonB(everyField([{}])) },
    { ...base, body: jsonB(JSON.stringify(nested(1000))) },
    { ...base, body: jsonB('{"constructor":{"admin":true},"prototype":{"admin":true},"a\\u0000":1}') },
    { ...base, body: formB(fieldsFor.map((k) => `${enc(k)}=%ED%A0%80`).join('&')) },
    { ...base, body: formB('%&a=%E0%A4%A&__proto__=x&__proto__=y&constructor=z') },
    // 15 000 characters: a real server refuses a request line past 16 KB (431) before the app.
    { ...base, query: `__proto__=x&constructor=y&prototype=z&${keys[0]}=${enc(`\u202e${MEGABYTE.slice(0, 15_000)}`)}` },
    { ...base, headers: { authorization: 'Bearer hy_\u0000' }, csrf: false },
    ...(names.length ? [{ ...base, path: withParams(enc(`\u202e${MEGABYTE.slice(0, 300)}`)) }] : []),
  ];
}

// ---------------------------------------------------------------------------------------------

const started = Date.now();
let index = 0;
for (const mode of ['signed-in', 'anonymous'] as Mode[]) {
  t.test(`every route, ${mode}: no 5xx`, async (t) => {
    let failures = 0;
    for (const route of routes) {
      const label = `${mode} ${route.method} ${route.url}`;
      const seed = SEED + index++;
      const t0 = Date.now();
      try {
        for (const spec of fixedSpecs(route, mode)) await send(route, mode, spec);
        await fc.assert(fc.asyncProperty(specArb(route), (spec) => send(route, mode, spec)), { seed, numRuns: RUNS });
        if (process.env.FUZZ_DEBUG) console.error(`${Date.now() - t0} ms ${label}`);
      } catch (err) {
        failures++;
        const cause = (err as Error).cause instanceof Error ? `\n${((err as Error).cause as Error).message}` : '';
        const message = `${(err as Error).message}${cause}${process.env.FUZZ_DEBUG ? `\n${(err as Error).stack}` : ""}`.slice(0, 6000);
        t.comment(`${label}: ${message}`);
        t.fail(`${label} (fast-check seed ${seed}, run seed FUZZ_SEED=${SEED})`, { diagnostic: true, message });
      }
    }
    t.equal(failures, 0, `${routes.length} routes fuzzed ${mode}`);
  });
}

t.test('every registered route was reached', async (t) => {
  const registeredRoutes = new Set(routes.map((r) => `${r.method} ${r.url}`));
  const missing = [...registeredRoutes].filter((k) => !reached.has(k));
  t.comment(`${requests} requests (${relogins} sign-ins again after a sign-out) in ${((Date.now() - started) / 1000).toFixed(1)} s; routes reached ${registeredRoutes.size - missing.length}/${registeredRoutes.size}`);
  t.comment(`answers by class: ${JSON.stringify(classes)}`);
  if (process.env.FUZZ_DEBUG) for (const [k, v] of byRoute) console.error(`${k} ${JSON.stringify(v)}`);
  t.ok(registeredRoutes.size > 150, `the route table is read from Fastify (${registeredRoutes.size} routes)`);
  t.same(missing, [], 'no registered route left unreached');
});
