// Open311 GeoReport v2 end to end (SPEC §16) against the real app and Postgres: a FixMyStreet-style
// client (its form fields, then polling servicerequestupdates after a staff reply through the
// actions API), every endpoint in JSON and XML with the same data, the error shape, 403s, content
// types, and the privacy rule (planted name, phone, e-mail and address never in any GET).
import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import type { LightMyRequestResponse } from 'fastify';
import { createStaff, json, login, registrationRequest, setupApp } from '../helpers/app.js';

const ctx = await setupApp(t, { env: { PUBLIC_LOOKUP_RATE_LIMIT: '100000' } });
const admin = await login(ctx, await createStaff(ctx, ['admin', 'clerk']));
const handler = await login(ctx, await createStaff(ctx, ['handler'], 'cj'));

async function newKey(scopes: string[]): Promise<{ key: string; prefix: string }> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: 'FixMyStreet', scopes } });
  if (res.statusCode !== 201) throw new Error(res.body);
  return json(res);
}
const { key: apiKey } = await newKey(['open311']);

const FORM = 'application/x-www-form-urlencoded';
const post = (url: string, fields: Record<string, string>, contentType = FORM) =>
  ctx.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload: new URLSearchParams(fields).toString() });
const get = (url: string) => ctx.app.inject({ method: 'GET', url });

const xml = new XMLParser({
  parseTagValue: false,
  ignoreDeclaration: true,
  isArray: (name) => ['service', 'request', 'request_update', 'error', 'attribute', 'value', 'endpoint', 'format'].includes(name),
});
const parseXml = (res: LightMyRequestResponse) => xml.parse(res.body);

// Planted personal data: none of it may appear in any GET.
const NAME = '欧阳娜娜';
const PHONE = '13912345678';
const EMAIL = 'nana.ouyang@example.com';
const ADDRESS = '东山村3组17号欧阳家门口';

// FixMyStreet's Open311.pm fields, in its order; last_name empty as it sends for a one-part name.
const fmsFields = {
  api_key: apiKey,
  service_code: 'road',
  lat: '30.2741',
  long: '120.1551',
  address_string: ADDRESS,
  first_name: NAME,
  last_name: '',
  email: EMAIL,
  phone: PHONE,
  description: `路灯坏了\n\n村口路灯坏了一个多月，晚上很黑，联系我 ${PHONE}`,
  'attribute[kind]': 'complaint',
  jurisdiction_id: 'huiying.example',
  device_id: 'fms-1',
  account_id: '',
  media_url: '',
};

let ticketNo = '';
await t.test('FixMyStreet-style POST requests.xml registers a ticket (source open311, channel web)', async (t) => {
  const res = await post('/open311/v2/requests.xml', fmsFields);
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.headers['content-type'], 'text/xml; charset=utf-8');
  t.ok(res.body.startsWith('<?xml version="1.0" encoding="utf-8"?>'));
  const doc = parseXml(res);
  ticketNo = doc.service_requests.request[0].service_request_id;
  t.match(ticketNo, /^\d{15}$/);
  const row = (await ctx.db.pool.query('SELECT source, channel, kind, complainant_name, complainant_phone, village_code, lat, lng, category_code FROM tickets WHERE ticket_no = $1', [ticketNo])).rows[0];
  t.same(row, { source: 'open311', channel: 'web', kind: 'complaint', complainant_name: NAME, complainant_phone: PHONE, village_code: 'dongshan', lat: 30.2741, lng: 120.1551, category_code: 'road' });
  const text = JSON.stringify((await ctx.db.pool.query('SELECT * FROM tickets WHERE ticket_no = $1', [ticketNo])).rows);
  t.notOk(text.includes(EMAIL), 'the e-mail is stored nowhere on the ticket');

  const again = await post('/open311/v2/requests.xml', fmsFields);
  t.equal(parseXml(again).service_requests.request[0].service_request_id, ticketNo, 'a retry without Idempotency-Key gets the same id');
  ctx.clock.advance(11 * 60_000);
  const later = await post('/open311/v2/requests.xml', fmsFields);
  t.equal(parseXml(later).service_requests.request[0].service_request_id, ticketNo, 'a retry just past the window still does');
  const other = await post('/open311/v2/requests.json', { ...fmsFields, description: '另一处路灯也坏了，在西头' });
  t.equal(other.statusCode, 201);
  t.equal(other.headers['content-type'], 'application/json; charset=utf-8');
  const body = json(other);
  t.ok(Array.isArray(body));
  t.type(body[0].service_request_id, 'string');
  t.not(body[0].service_request_id, ticketNo);
});

await t.test('form bodies with a charset, attribute[kind] choosing the kind, JSON registration with location', async (t) => {
  const res = await post('/open311/v2/requests.json', { ...fmsFields, 'attribute[kind]': 'suggest', description: '建议在村口加装一盏路灯' }, `${FORM}; charset=utf-8`);
  t.equal(res.statusCode, 201, res.body);
  const no = json(res)[0].service_request_id;
  t.equal((await ctx.db.pool.query('SELECT kind FROM tickets WHERE ticket_no = $1', [no])).rows[0].kind, 'suggest');

  const reg = await ctx.app.inject(registrationRequest(admin, { channel: 'phone', kind: 'help', content: '村口路面塌陷一个坑', location: { lat: 30.1, long: 120.2 } }));
  t.equal(reg.statusCode, 201, reg.body);
  t.same(json(reg).location, { lat: 30.1, long: 120.2 });
  t.equal(json(reg).source, 'local');
  const bad = await ctx.app.inject(registrationRequest(admin, { channel: 'phone', kind: 'help', content: '村口路面塌陷一个坑', location: { lat: 95, long: 120.2 } }));
  t.equal(bad.statusCode, 400);
  t.match(json(bad).details, [{ path: 'location.lat' }]);
});

await t.test('a staff reply shows up when the client polls servicerequestupdates', async (t) => {
  const start = new Date(ctx.clock.now().getTime() - 3600_000);
  const act = async (action: string, payload: unknown, headers: Record<string, string>) => {
    const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${ticketNo}/actions/${action}`, headers, payload: payload as object });
    t.equal(r.statusCode, 200, `${action}: ${r.body}`);
  };
  await act('assign', { departmentCode: 'cj' }, admin.headers);
  await act('accept', {}, handler.headers);
  ctx.clock.advance(60_000);
  await act('reply', { reply: `已更换路灯，欧阳娜娜（${PHONE}）已确认`, result: 'resolved', publicSummary: '村口路灯已更换' }, handler.headers);
  const end = new Date(ctx.clock.now().getTime() + 60_000);
  const q = `start_date=${encodeURIComponent(start.toISOString().replace('.000Z', 'Z'))}&end_date=${encodeURIComponent(shanghai(end))}`;
  const x = await get(`/open311/v2/servicerequestupdates.xml?${q}`);
  t.equal(x.statusCode, 200, x.body);
  t.equal(x.headers['content-type'], 'text/xml; charset=utf-8');
  const updates = parseXml(x).service_request_updates.request_update as Record<string, string>[];
  const mine = updates.filter((u) => u.service_request_id === ticketNo);
  t.ok(mine.length >= 3, 'registered, assigned/accepted and replied');
  const reply = mine.find((u) => u.description.startsWith('答复'))!;
  t.ok(reply, 'the reply is an update');
  t.equal(reply.status, 'action_scheduled');
  t.match(reply.updated_datetime, /\+08:00$/);
  t.notOk(x.body.includes(PHONE) || x.body.includes(NAME), 'the reply text is scrubbed');
  const j = await get(`/open311/v2/servicerequestupdates.json?${q}`);
  t.same(json(j), updates.map((u) => ({ ...u, media_url: '' })), 'JSON and XML carry the same updates');

  const pushed = await post('/open311/v2/servicerequestupdates.xml', { api_key: apiKey, service_request_id: ticketNo, update_id: '77', status: 'OPEN', description: '灯还是不亮', first_name: NAME, last_name: '', email: EMAIL });
  t.equal(pushed.statusCode, 201, pushed.body);
  t.match(parseXml(pushed).service_request_updates.request_update[0].update_id, /^\d+$/);
  const unknown = await post('/open311/v2/servicerequestupdates.json', { api_key: apiKey, service_request_id: '202611254839207', description: '灯还是不亮' });
  t.equal(unknown.statusCode, 404);
});

function shanghai(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

await t.test('every GET endpoint in JSON and XML with the same data; content types; no personal data', async (t) => {
  const endpoints = ['discovery', 'services', 'services/road', 'requests', `requests/${ticketNo}`, `requests?service_request_id=${ticketNo}`];
  const all: string[] = [];
  for (const e of endpoints) {
    const [path, query] = e.split('?');
    const suffix = (f: string) => `/open311/v2/${path}.${f}${query ? `?${query}` : ''}`;
    const j = await get(suffix('json'));
    const x = await get(suffix('xml'));
    t.equal(j.statusCode, 200, `${e}: ${j.body}`);
    t.equal(x.statusCode, 200, `${e}: ${x.body}`);
    t.equal(j.headers['content-type'], 'application/json; charset=utf-8');
    t.equal(x.headers['content-type'], 'text/xml; charset=utf-8');
    t.ok(x.body.startsWith('<?xml version="1.0" encoding="utf-8"?>\n'));
    all.push(j.body, x.body);
    const fromXml = Object.values(parseXml(x))[0] as Record<string, unknown>;
    t.same(normalise(unwrap(fromXml)), normalise(json(j)), `${e}: XML and JSON carry the same data`);
  }
  const services = json(await get('/open311/v2/services.json'));
  const road = services.find((s: { service_code: string }) => s.service_code === 'road');
  t.match(road, { service_name: '道路桥梁与路灯', type: 'realtime', metadata: true, group: String });
  const def = json(await get('/open311/v2/services/road.json'));
  t.match(def.attributes[0], { code: 'kind', datatype: 'singlevaluelist', required: false });
  const req = json(await get(`/open311/v2/requests/${ticketNo}.json`))[0];
  t.match(req, { service_request_id: ticketNo, status: 'open', address: '东山村', lat: 30.2741, long: 120.1551, service_code: 'road', description: '村口路灯已更换' });
  t.match(req.status_notes, /已答复/);
  t.match(req.agency_responsible, /\S/);
  for (const k of ['requested_datetime', 'updated_datetime', 'expected_datetime']) t.match(req[k], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  const listed = json(await get('/open311/v2/requests.json'));
  t.ok(listed.some((r: { service_request_id: string }) => r.service_request_id === ticketNo), 'the default window lists it');
  all.push(JSON.stringify(listed));
  for (const body of all) {
    for (const secret of [NAME, PHONE, EMAIL, ADDRESS, '3组', '欧阳']) t.notOk(body.includes(secret), `no ${secret} in a GET`);
  }
});

/** XML wraps lists in one element per item: `{ service: [...] }` → `[...]`. */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    const LISTS = ['service', 'request', 'request_update', 'error', 'attribute', 'value', 'endpoint', 'format'];
    if (entries.length === 1 && LISTS.includes(entries[0][0])) return unwrap(entries[0][1]);
    return Object.fromEntries(entries.map(([k, val]) => [k, unwrap(val)]));
  }
  return v;
}
/** Both sides as text: XML has no types, and an empty list or null is an empty element. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(normalise) : '';
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, val]) => [k, normalise(val)]));
  return v === null || v === undefined ? '' : String(v);
}

await t.test('filters: id list overrides, service_code, status, dates with Z and +08:00', async (t) => {
  const now = ctx.clock.now();
  const z = encodeURIComponent(new Date(now.getTime() - 86400_000).toISOString());
  const plus8 = encodeURIComponent(shanghai(new Date(now.getTime() + 60_000)));
  const inWindow = json(await get(`/open311/v2/requests.json?start_date=${z}&end_date=${plus8}&service_code=road&status=open`));
  t.ok(inWindow.some((r: { service_request_id: string }) => r.service_request_id === ticketNo));
  t.same(json(await get('/open311/v2/requests.json?status=closed&service_code=road')), []);
  const overridden = json(await get(`/open311/v2/requests.json?service_request_id=${ticketNo}&status=closed&service_code=nothing`));
  t.equal(overridden.length, 1, 'service_request_id overrides the other filters');
  const old = encodeURIComponent(shanghai(new Date(now.getTime() - 400 * 86400_000)));
  t.same(json(await get(`/open311/v2/requests.json?end_date=${old}`)), [], 'a window before any ticket is empty');
});

await t.test('errors: Open311 shape in the requested format, 400 naming the field, 403, 404', async (t) => {
  const cases: [string, () => Promise<LightMyRequestResponse>, number, RegExp][] = [
    ['unknown route', () => get('/open311/v2/nothing.xml'), 404, /./],
    ['unknown id', () => get('/open311/v2/requests/202611254839201.xml'), 404, /./],
    ['bad id', () => get('/open311/v2/requests/abc.json'), 404, /./],
    ['unknown code', () => get('/open311/v2/services/nothing.json'), 404, /./],
    ['unknown code on POST', () => post('/open311/v2/requests.xml', { ...fmsFields, service_code: 'nothing' }), 404, /service_code/],
    ['no key', () => post('/open311/v2/requests.json', { ...fmsFields, api_key: '' }), 403, /api_key/],
    ['wrong key', () => post('/open311/v2/requests.xml', { ...fmsFields, api_key: 'hy_AAAAAAAA_bbbbbbbbbbbbbbbbbbbbbbbbbb' }), 403, /api_key/],
    ['missing service_code', () => post('/open311/v2/requests.json', { ...fmsFields, service_code: '' }), 400, /service_code/],
    ['missing location', () => post('/open311/v2/requests.json', { ...fmsFields, lat: '', long: '', address_string: '' }), 400, /lat/],
    ['lat without long', () => post('/open311/v2/requests.xml', { ...fmsFields, long: '' }), 400, /long/],
    ['bad kind', () => post('/open311/v2/requests.json', { ...fmsFields, 'attribute[kind]': 'party' }), 400, /attribute\[kind\]/],
    ['bad start_date', () => get('/open311/v2/requests.json?start_date=yesterday'), 400, /start_date/],
    ['bad end_date', () => get('/open311/v2/servicerequestupdates.xml?end_date=2026-13-01'), 400, /end_date/],
    ['bad status', () => get('/open311/v2/requests.json?status=fixed'), 400, /status/],
    ['bad encoding', () => post('/open311/v2/requests.json', {}, FORM).then(() => ctx.app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': FORM }, payload: 'service_code=%E4' })), 400, /service_code/],
  ];
  for (const [name, send, status, field] of cases) {
    const res = await send();
    t.equal(res.statusCode, status, `${name}: ${res.body}`);
    const url = res.raw.req.url ?? '';
    if (url.includes('.xml')) {
      t.equal(res.headers['content-type'], 'text/xml; charset=utf-8', name);
      const err = parseXml(res).errors.error[0];
      t.equal(err.code, String(status), name);
      t.match(err.description, field, name);
    } else {
      t.equal(res.headers['content-type'], 'application/json; charset=utf-8', name);
      const body = json(res);
      t.ok(Array.isArray(body), name);
      t.equal(body[0].code, status, name);
      t.match(body[0].description, field, name);
    }
  }
  const other = await newKey(['intake:api']);
  t.equal((await post('/open311/v2/requests.json', { ...fmsFields, api_key: other.key })).statusCode, 403, 'a key without scope open311');
  const revoked = await newKey(['open311']);
  await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/api-keys/${revoked.prefix}`, headers: admin.headers, payload: { active: false } });
  t.equal((await post('/open311/v2/requests.json', { ...fmsFields, api_key: revoked.key })).statusCode, 403, 'a revoked key');
  const bearer = await ctx.app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': FORM, authorization: `Bearer ${apiKey}` }, payload: new URLSearchParams({ ...fmsFields, api_key: '', description: '路口红绿灯不亮了很危险' }).toString() });
  t.equal(bearer.statusCode, 201, 'the key may come as a Bearer header too');
});

await t.test('the OpenAPI document lists the Open311 routes', async (t) => {
  const doc = json(await get('/openapi.json'));
  for (const p of ['/open311/v2/services.json', '/open311/v2/requests.xml', '/open311/v2/requests/{file}', '/open311/v2/servicerequestupdates.json']) {
    t.ok(doc.paths[p], p);
  }
});
