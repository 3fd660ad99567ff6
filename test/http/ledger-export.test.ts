// Ledger export (SPEC §15): GET /api/v1/tickets?format=csv|xlsx — the filtered list in the import's
// layout plus the handling columns, phones masked unless unmasked (audited), formula cells
// neutralised in both formats, handlers limited to their department; and the round trip: an
// exported ledger imports into a fresh database with every column read back, and into the same one
// as "already imported".
import t, { type Test } from 'tap';
import ExcelJS from 'exceljs';
import { createStaff, json, login, setupApp, staffSession, type TestContext, type Session } from '../helpers/app.js';
import { actOk, register } from '../helpers/tickets.js';
import { commit, upload } from '../helpers/ledger.js';
import { EXPORT_HEADERS } from '../../src/domain/ledger-export.js';

const ctx = await setupApp(t);
const clerk = await staffSession(ctx, ['clerk']);
const handler = await login(ctx, await createStaff(ctx, ['handler'], 'sw'));

const FORMULA = '=HYPERLINK("http://x","点我")村里自来水停了';
const closedNo = await register(ctx, clerk, {
  channel: 'phone', kind: 'help', content: '东山村3组自来水停水两天了，希望尽快恢复供水',
  complainant: { name: '王建国', phone: '13912345678' }, villageCode: 'dongshan', categoryCode: 'drinking_water',
  receivedAt: '2026-11-20T09:30:00+08:00',
});
await actOk(ctx, clerk, closedNo, 'assign', { departmentCode: 'sw' });
await actOk(ctx, handler, closedNo, 'accept');
await actOk(ctx, handler, closedNo, 'reply', { reply: '已抢修管道，恢复供水', result: 'resolved' });
await actOk(ctx, clerk, closedNo, 'record_followup', { resolved: true, satisfaction: 'very_satisfied' });
const openNo = await register(ctx, clerk, {
  channel: 'walk_in', kind: 'complaint', content: FORMULA, complainant: { name: '李芳', phone: '0571-88886666' }, villageCode: 'xihe',
  receivedAt: '2026-11-21T10:00:00+08:00',
});
const otherDeptNo = await register(ctx, clerk, { channel: 'phone', kind: 'consult', content: '低保申请需要准备哪些材料？', categoryCode: 'dibao' });
await actOk(ctx, clerk, otherDeptNo, 'assign', { departmentCode: 'mz' });

const exportOf = (who: Session, query: string) => ctx.app.inject({ method: 'GET', url: `/api/v1/tickets?${query}`, headers: who.headers });

async function readXlsx(buf: Buffer): Promise<string[][]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(buf as unknown as ArrayBuffer);
  const rows: string[][] = [];
  book.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))));
  return rows;
}

t.test('CSV: the layout, masked phones, formula cells neutralised', async (t) => {
  const res = await exportOf(clerk, 'format=csv');
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-type'], /text\/csv/);
  t.match(res.headers['content-disposition'], /attachment/);
  const lines = res.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  t.equal(lines[0], EXPORT_HEADERS.join(','));
  t.equal(lines.length, 4, 'header + 3 tickets');
  t.notMatch(res.body, /13912345678/, 'masked');
  t.match(res.body, /139\*\*\*\*5678/);
  t.match(res.body, /"'=HYPERLINK\(""http:\/\/x"",""点我""\)村里自来水停了"/, 'formula defused');
  const closed = lines.find((l) => l.startsWith(closedNo))!.split(',');
  t.same(
    [closed[2], closed[3], closed[7], closed[8], closed[10], closed[11], closed[12], closed[14], closed[15], closed[16]],
    ['2026-11-20 09:30:00', '求助', '东山村', '饮水供水', '已办结', '水务站', '已抢修管道，恢复供水', '是', '是', '非常满意'],
  );
  const audits = async () => (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'unmask' AND target = 'export:tickets'`)).rows[0].n;
  t.equal(await audits(), 0);
  const unmasked = await exportOf(clerk, 'format=csv&unmask=true');
  t.match(unmasked.body, /13912345678/);
  t.equal(await audits(), 1, 'unmasking an export is audited');
  const filtered = await exportOf(clerk, 'format=csv&status=closed');
  t.equal(filtered.body.trim().split('\r\n').length, 2, 'the list filters apply');
});

t.test('a handler exports only their department', async (t) => {
  const res = await exportOf(handler, 'format=csv');
  t.equal(res.statusCode, 200);
  const lines = res.body.trim().split('\r\n');
  t.equal(lines.length, 2);
  t.ok(lines[1].startsWith(closedNo));
  const other = await exportOf(handler, 'format=csv&departmentCode=mz');
  t.equal(other.body.trim().split('\r\n').length, 1, 'another department: header only');
});

t.test('XLSX: the same rows, text cells neutralised', async (t) => {
  const res = await exportOf(clerk, 'format=xlsx');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /spreadsheetml/);
  const rows = await readXlsx(res.rawPayload);
  t.same(rows[0], [...EXPORT_HEADERS]);
  t.equal(rows.length, 4);
  const open = rows.find((r) => r[0] === openNo)!;
  t.equal(open[4], `'${FORMULA}`);
  t.equal(open[6], '0571-****6666', 'masked as the staff views mask it');
});

async function freshCtx(t: Test): Promise<{ ctx: TestContext; clerk: Session }> {
  const other = await setupApp(t);
  return { ctx: other, clerk: await staffSession(other, ['clerk']) };
}

t.test('round trip: an exported ledger imports back, column by column; re-importing says already imported', async (t) => {
  const file = (await exportOf(clerk, 'format=xlsx&unmask=true')).rawPayload;

  const same = json(await upload(ctx, clerk, { filename: '台账.xlsx', content: file }));
  t.match(same, { rows: 3, valid: 0, invalid: 0, alreadyImported: 3 }, 'every row is already here');
  t.notOk(same.headers.some((h: any) => h.field === null), 'every exported column is recognised');

  const fresh = await freshCtx(t);
  const report = json(await upload(fresh.ctx, fresh.clerk, { filename: '台账.xlsx', content: file }));
  t.match(report, { rows: 3, valid: 3, invalid: 0, pastCases: 1 }, JSON.stringify(report.errors));
  t.match(json(await commit(fresh.ctx, fresh.clerk, report.importId)), { imported: 3, pastCases: 1 });
  const cols = `external_no, status, outcome, kind, content, complainant_name, complainant_phone, village_code, category_code,
                department_code, received_at, due_at, reply, satisfaction, resolved, closed_at`;
  const there = (await fresh.ctx.db.pool.query(`SELECT ${cols} FROM tickets ORDER BY received_at`)).rows;
  const here = (await ctx.db.pool.query(`SELECT ticket_no AS external_no, ${cols.replace('external_no, ', '')} FROM tickets ORDER BY received_at`)).rows;
  const closedThere = there.find((r) => r.external_no === closedNo);
  const closedHere = here.find((r) => r.external_no === closedNo);
  t.same(
    { ...closedThere, closed_at: closedThere.closed_at.toISOString().slice(0, 19) },
    { ...closedHere, closed_at: closedHere.closed_at.toISOString().slice(0, 19) },
    'the closed case: every field back (closing time to the second)',
  );
  const openThere = there.find((r) => r.external_no === openNo);
  const openHere = here.find((r) => r.external_no === openNo);
  t.same(
    [openThere.content, openThere.complainant_phone, openThere.village_code, openThere.kind, openThere.received_at, openThere.due_at],
    [openHere.content, openHere.complainant_phone, openHere.village_code, openHere.kind, openHere.received_at, openHere.due_at],
    'the open case: content (formula text as written), phone, village, kind, times',
  );
  const again = json(await upload(fresh.ctx, fresh.clerk, { filename: '台账.xlsx', content: file }));
  t.match(again, { valid: 0, alreadyImported: 3 });
});
