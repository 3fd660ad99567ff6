// Every CSV export neutralises formula cells (SPEC §14) through the one writer in src/domain/csv.ts:
// a department, a handler and a category named like spreadsheet formulas go out as text in the
// statistics CSVs and the public notice CSV.
import t from 'tap';
import { createStaff, json, login, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { csvCell, toCsv } from '../../src/domain/csv.js';

const FORMULA_DEPT = '=HYPERLINK("http://x","y")';
const FORMULA_HANDLER = '@SUM(1+1)';
const FORMULA_CATEGORY = '+cmd|\' /C calc\'!A0';

const ctx = await setupApp(t);
const admin = await staffSession(ctx, ['admin', 'supervisor']);
const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers = admin.headers) => {
  const res = await ctx.app.inject({ method, url, headers, payload });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res;
};

await api('POST', '/api/v1/admin/departments', { code: 'fx', name: FORMULA_DEPT, kind: 'office' });
await api('POST', '/api/v1/admin/categories', { code: 'fx-cat', name: FORMULA_CATEGORY, departmentCode: 'fx' });
const handlerName = await createStaff(ctx, ['handler'], 'fx');
await api('PATCH', `/api/v1/admin/users/${handlerName}`, { displayName: FORMULA_HANDLER });
const clerk = await staffSession(ctx, ['clerk']);
const created = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '村口的路灯坏了很久', categoryCode: 'fx-cat' }));
const ticketNo = json(created).ticketNo as string;
await api('POST', `/api/v1/tickets/${ticketNo}/actions/assign`, { departmentCode: 'fx' }, clerk.headers);
await api('POST', `/api/v1/tickets/${ticketNo}/actions/accept`, {}, (await login(ctx, handlerName)).headers);

/** No cell of any line starts a formula (after the BOM, a comma, or an opening quote). */
function formulaCells(csv: string): string[] {
  return csv.replace(/^\uFEFF/, '').split('\r\n').flatMap((line) => line.match(/(?:^|,)"?[=+\-@\t]/g) ?? []);
}

t.test('the one writer: text starting = + - @ tab CR gets an apostrophe, numbers stay numbers', async (t) => {
  for (const s of ['=1+1', '+1', '-1', '@A1', '\t=1', '\r=1']) t.ok(csvCell(s).replace(/^"/, '').startsWith(`'${s[0]}`), JSON.stringify(s));
  t.equal(csvCell(-3), '-3');
  t.equal(csvCell('a,"b"'), '"a,""b"""');
  t.equal(csvCell(null), '');
  t.equal(toCsv(['h'], [['=x']]), '\uFEFFh\r\n\'=x\r\n');
});

t.test('statistics CSVs: the department and the handler go out as text', async (t) => {
  const depts = await api('GET', '/api/v1/stats/departments?month=2026-11&format=csv');
  t.match(depts.headers['content-type'], 'text/csv');
  t.match(depts.body, `"'=HYPERLINK(""http://x"",""y"")",`, 'the department name is quoted and neutralised');
  t.same(formulaCells(depts.body), [], 'no formula cell');
  const handlers = await api('GET', '/api/v1/stats/handlers?month=2026-11&format=csv');
  t.match(handlers.body, `'${FORMULA_HANDLER}`);
  t.match(handlers.body, `"'=HYPERLINK(""http://x"",""y"")"`);
  t.same(formulaCells(handlers.body), [], 'no formula cell');
});

t.test('the public notice CSV: department and category neutralised', async (t) => {
  await api('POST', '/api/v1/admin/notices', { month: '2026-11' });
  await api('POST', '/api/v1/notices/2026-11/publish');
  const csv = await ctx.app.inject({ method: 'GET', url: '/notices/2026-11.csv' });
  t.equal(csv.statusCode, 200);
  t.match(csv.body, `"'=HYPERLINK(""http://x"",""y"")"`);
  t.match(csv.body, `'${FORMULA_CATEGORY}`);
  t.same(formulaCells(csv.body), [], 'no formula cell');
});
