// Ledger imports (SPEC §15) through the real app: the report's accuracy on a file with every kind of
// bad row, nothing stored before the commit, GB18030 CSV and XLSX (date cells, serials), past cases
// closed and counted in the month's statistics and notice, idempotent re-import, refusals of size
// and type, and who may import.
import t from 'tap';
import { createStaff, json, login, setupApp, staffSession } from '../helpers/app.js';
import { commit, csvText, gb18030, multipart, upload, xlsxBuffer } from '../helpers/ledger.js';

const ctx = await setupApp(t);
const clerk = await staffSession(ctx, ['clerk']);
const supervisor = await login(ctx, await createStaff(ctx, ['supervisor', 'admin']));

const HEADER = ['工单编号', '受理时间', '工单类型', '主要内容', '来电人', '联系电话', '所属村（社区）', '问题分类', '要求办结时间', '办结时间', '回复内容', '是否解决', '是否满意'];
const WATER = '东山村3组自来水停水两天了，希望尽快恢复供水';
// Row numbers in comments are the sheet's lines (the header is line 1).
const MESSY: (string | null)[][] = [
  HEADER,
  /* 2 */ ['GD-001', '2026/11/3 9:07', '求助', WATER, '王建国', '138 1234 5678', '东山村3组', '饮水供水', '2026-11-20', null, null, null, null],
  /* 3 */ ['GD-００２', '２０２６年１１月５日 ８时３０分', '咨询', '低保申请需要准备哪些材料？', '李芳', '０５７１－８８８８ ６６６６', '西河村', '低保', null, null, null, null, null],
  /* 4 */ ['GD-003', '2026-11-02 10:00', '投诉', '南岭村路灯坏了一个月没人修，晚上出行不安全', '赵强', '139-0000-1111', '南岭村', '道路桥梁与路灯', null, '2026-11-06 16:00', '已更换路灯灯泡并检修线路', '是', '满意'],
  /* 5 */ ['GD-004', '昨天上午', '求助', WATER, null, null, null, null, null, null, null, null, null],
  /* 6 */ ['GD-005', '2026-11-04 08:00', '求助', WATER, '钱七', '12345', null, null, null, null, null, null, null],
  /* 7 */ ['GD-001', '2026-11-07 08:00', '求助', '同一工单编号再次出现在文件中', null, null, null, null, null, null, null, null, null],
  /* 8 */ ['GD-006', '2026-11-04 08:00', '闲聊', WATER, null, null, null, null, null, null, null, null, null],
  /* 9 */ ['GD-007', '2026-11-04 08:00', '建议', '好', null, null, null, null, null, null, null, null, null],
  /* 10 */ ['GD-008', '2026-11-04 08:00', '求助', WATER, null, null, null, null, null, '2026-11-05 08:00', null, null, null],
  /* 11 */ ['GD-009', '2027-01-01 08:00', '求助', WATER, null, null, null, null, null, null, null, null, null],
  /* 12 */ ['GD-010', '2020-01-01 08:00', '求助', WATER, null, null, null, null, null, null, null, null, null],
  /* 13 */ [null, null, null, null, null, null, null, null, null, null, null, null, null],
  /* 14 */ ['GD-011', '46330.375', '举报', '北苑社区有人焚烧垃圾，烟很大', null, '+86 13912345678', '北苑', '污染与噪声', null, null, null, null, null],
  /* 15 */ ['GD-012', '2026-11-04 08:00', '求助', WATER, null, null, null, null, '2026-11-01', null, null, null, null],
  /* 16 */ ['GD-013', '2026-11-10 08:00', '建议', '西河村希望增加一班去县城的公交车', null, null, '某某村', '公交线路', null, null, null, null, null],
  /* 17 */ ['GD-014', '2026-11-06 08:00', '投诉', '东山村养殖场气味很大，影响休息', null, null, '东山村', null, null, '2026-11-09 10:00', '已督促养殖场整改', '否', '不满意'],
];
const messyCsv = csvText(MESSY);
const ticketCount = async () => (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets`)).rows[0].n;

t.test('the report names every bad row and column; nothing is stored before the commit', async (t) => {
  const res = await upload(ctx, clerk, { filename: '11月工单.csv', content: Buffer.from(messyCsv) });
  t.equal(res.statusCode, 200, res.body);
  const r = json(res);
  t.equal(r.rows, 15, 'blank line skipped');
  t.equal(r.valid, 6, 'GD-001, 002, 003, 011, 013, 014');
  t.equal(r.invalid, 9);
  t.equal(r.alreadyImported, 0);
  t.equal(r.pastCases, 2);
  t.equal(r.fileName, '11月工单.csv');
  const at = (row: number) => r.errors.filter((e: any) => e.row === row).map((e: any) => `${e.column}: ${e.message}`);
  t.match(at(5), [/^受理时间: 无法识别的时间“昨天上午”/]);
  t.match(at(6), [/^联系电话: 电话号码“12345”格式不正确/]);
  t.match(at(7), [/^工单编号: 工单编号“GD-001”与第2行重复/]);
  t.match(at(8), [/^工单类型: 诉求类型“闲聊”应为/]);
  t.match(at(9), [/^主要内容: 诉求内容至少5个字/]);
  t.match(at(10), [/^回复内容: 有办结时间的历史工单须填写回复内容/]);
  t.match(at(11), [/^受理时间: 受理时间不能晚于当前时间/]);
  t.match(at(12), [/^受理时间: 受理时间不能早于5年前/]);
  t.match(at(15), [/^要求办结时间: 要求办结时间应晚于受理时间/]);
  t.same(at(2), []);
  t.same(at(13), [], 'blank line: no error');
  t.equal(r.errorCount, 9);
  t.same(
    r.headers.map((h: any) => h.field),
    ['externalNo', 'receivedAt', 'kind', 'content', 'name', 'phone', 'village', 'category', 'dueAt', 'closedAt', 'reply', 'resolved', 'satisfaction'],
    'every header read by the default mapping (full-width brackets included)',
  );
  t.equal(await ticketCount(), 0, 'validation stores no ticket');

  const csv = await ctx.app.inject({ method: 'GET', url: `/api/v1/imports/${r.importId}/errors.csv`, headers: clerk.headers });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  t.ok(csv.body.startsWith('\uFEFF行号,列,问题\r\n'));
  t.equal(csv.body.trim().split('\r\n').length, 10, 'header + 9 problems');

  const other = await staffSession(ctx, ['clerk']);
  const theirs = await commit(ctx, other, r.importId);
  t.equal(theirs.statusCode, 404, 'another clerk cannot commit it');
  t.equal(await ticketCount(), 0);

  const done = await commit(ctx, clerk, r.importId);
  t.equal(done.statusCode, 200, done.body);
  t.match(json(done), { status: 'committed', total: 6, imported: 6, pastCases: 2, alreadyImported: 0, failed: 0, errors: [] });
  const again = await commit(ctx, clerk, r.importId);
  t.same(json(again), json(done), 'committing twice answers the same counts');
  t.equal(await ticketCount(), 6);

  const rows = (
    await ctx.db.pool.query(
      `SELECT external_no, source, status, outcome, kind, complainant_name, complainant_phone, village_code, category_code, department_code,
              received_at, due_at, replied_at, closed_at, reply, satisfaction, resolved
         FROM tickets ORDER BY external_no`,
    )
  ).rows;
  const by = Object.fromEntries(rows.map((x) => [x.external_no, x]));
  t.match(by['GD-001'], { source: 'import', status: 'registered', kind: 'help', complainant_phone: '13812345678', village_code: 'dongshan', category_code: 'drinking_water' });
  t.equal(by['GD-001'].received_at.toISOString(), '2026-11-03T01:07:00.000Z', '2026/11/3 9:07 Shanghai');
  t.equal(by['GD-001'].due_at.toISOString(), '2026-11-20T15:59:59.000Z', 'a date-only deadline: the end of that day');
  t.match(by['GD-002'], { kind: 'consult', complainant_phone: '0571-88886666', village_code: 'xihe', category_code: 'dibao' }, 'full-width digits; 低保 → 低保特困救助');
  t.equal(by['GD-002'].received_at.toISOString(), '2026-11-05T00:30:00.000Z');
  t.match(by['GD-003'], { status: 'closed', outcome: 'resolved', department_code: 'cj', reply: '已更换路灯灯泡并检修线路', satisfaction: 'satisfied', resolved: true });
  t.equal(by['GD-003'].closed_at.toISOString(), '2026-11-06T08:00:00.000Z');
  t.match(by['GD-011'], { kind: 'report', complainant_phone: '13912345678', village_code: 'beiyuan', category_code: 'pollution' });
  t.equal(by['GD-011'].received_at.toISOString(), '2026-11-04T01:00:00.000Z', 'Excel serial 46330.375 = 2026-11-04 09:00');
  t.match(by['GD-013'], { village_code: null, category_code: null, status: 'registered' });
  t.match(by['GD-014'], { status: 'closed', outcome: 'unresolvable', department_code: 'dongshan', satisfaction: 'dissatisfied', resolved: false });

  const notes = (
    await ctx.db.pool.query(
      `SELECT e.note FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.external_no = 'GD-013' AND e.type = 'commented' ORDER BY e.id`,
    )
  ).rows.map((x) => x.note);
  t.same(notes, ['台账 所属村(社区)“某某村”未匹配，请人工核对村/社区', '台账 分类“公交线路”未匹配，请人工分类']);
  const sms = (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'notifications'`)).rows[0].n;
  t.equal(sms, 0, 'imported rows send no registration SMS');
  const pastJobs = (
    await ctx.db.pool.query(`SELECT count(*)::int AS n FROM outbox o WHERE o.payload->>'ticketId' IN (SELECT id::text FROM tickets WHERE status = 'closed')`)
  ).rows[0].n;
  t.equal(pastJobs, 0, 'past cases start no routing, deadline or notification');

  const reimport = json(await upload(ctx, clerk, { filename: '11月工单.csv', content: Buffer.from(messyCsv) }));
  t.match(reimport, { rows: 15, valid: 0, invalid: 9, alreadyImported: 6 }, 'the same file again: nothing new, and it says so');
  t.match(json(await commit(ctx, clerk, reimport.importId)), { imported: 0, total: 0 });
  t.equal(await ticketCount(), 6);
});

t.test('past cases count in the month’s statistics and notice', async (t) => {
  const stats = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/stats/departments?month=2026-11', headers: supervisor.headers }));
  const cj = stats.items.find((i: any) => i.departmentCode === 'cj');
  t.match(cj, { received: 1, replied: 1 }, stats);
  t.equal(cj.satisfactionRate.numerator, 1);
  t.equal(cj.satisfactionRate.denominator, 1);
  t.equal(cj.onTimeRate?.numerator ?? cj.repliedOnTime, 1);
  const dongshan = stats.items.find((i: any) => i.departmentCode === 'dongshan');
  t.equal(dongshan.satisfactionRate.numerator, 0, 'the dissatisfied past case counts against');
  t.equal(dongshan.satisfactionRate.denominator, 1);

  const gen = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers: supervisor.headers, payload: { month: '2026-11' } });
  t.equal(gen.statusCode, 201, gen.body);
  const notice = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/notices/2026-11', headers: supervisor.headers }));
  t.equal(notice.totals.received, 6);
  t.equal(notice.totals.closed, 2);
  t.equal(notice.totals.satisfactionRate.denominator, 2);
  t.equal(notice.totals.satisfactionRate.numerator, 1);
});

t.test('GB18030 CSV and XLSX with date cells read the same', async (t) => {
  const rows = [
    ['工单编号', '来电时间', '诉求类型', '诉求内容', '诉求人', '来电号码', '被反映村居', '事项小类', '承诺完成时间'],
    ['GB-001', '2026-11-12 14:20', '求助', '西河村灌溉水渠堵塞，需要清理', '孙丽', '13700001111', '西河村', '灌溉水利', '2026-11-26 18:00'],
  ];
  const gb = json(await upload(ctx, clerk, { filename: 'gb.csv', content: gb18030(csvText(rows)) }));
  t.match(gb, { rows: 1, valid: 1, invalid: 0 }, gb);
  t.match(json(await commit(ctx, clerk, gb.importId)), { imported: 1 });
  const stored = (await ctx.db.pool.query(`SELECT complainant_name, content, village_code, category_code, due_at FROM tickets WHERE external_no = 'GB-001'`)).rows[0];
  t.match(stored, { complainant_name: '孙丽', content: '西河村灌溉水渠堵塞，需要清理', village_code: 'xihe', category_code: 'irrigation' });
  t.equal(stored.due_at.toISOString(), '2026-11-26T10:00:00.000Z');

  const book = await xlsxBuffer([
    ['工单编号', '受理时间', '工单类型', '主要内容', '来电人', '联系电话', '所属村(社区)', '问题分类', '办结时间', '回复内容', '是否满意'],
    ['XL-001', new Date(Date.UTC(2026, 10, 13, 9, 30)), '咨询', '养老保险补缴怎么办理，需要到哪里', '周杰', 13600002222, '北苑社区', '社保医保', new Date(Date.UTC(2026, 10, 14, 11, 0)), '已电话告知办理流程', '非常满意'],
    ['XL-002', 46339.5, '求助', '高龄补贴一直没有到账，请帮忙查询', null, null, '东山村', '养老服务', null, null, null],
  ]);
  const xl = json(await upload(ctx, clerk, { filename: 'ledger.xlsx', content: book }));
  t.match(xl, { rows: 2, valid: 2, invalid: 0, pastCases: 1 }, xl);
  t.match(json(await commit(ctx, clerk, xl.importId)), { imported: 2, pastCases: 1 });
  const x = Object.fromEntries(
    (await ctx.db.pool.query(`SELECT external_no, received_at, closed_at, complainant_phone, status FROM tickets WHERE external_no LIKE 'XL-%'`)).rows.map((r) => [r.external_no, r]),
  );
  t.equal(x['XL-001'].received_at.toISOString(), '2026-11-13T01:30:00.000Z', 'a date cell is a Shanghai wall time');
  t.equal(x['XL-001'].closed_at.toISOString(), '2026-11-14T03:00:00.000Z');
  t.equal(x['XL-001'].complainant_phone, '13600002222', 'a phone typed as a number');
  t.equal(x['XL-002'].received_at.toISOString(), '2026-11-13T04:00:00.000Z', 'serial 46339.5 = 2026-11-13 12:00');
});

t.test('a clerk adjusts the mapping; a hotline ledger keeps its source', async (t) => {
  const rows = [
    ['编号', '时间', '类别', '内容', '村'],
    ['HL-001', '2026-11-15 10:00', '投诉', '南岭村小卖部出售过期食品', '南岭村'],
  ];
  const file = { filename: 'hl.csv', content: Buffer.from(csvText(rows)) };
  const missing = await upload(ctx, clerk, file);
  t.equal(missing.statusCode, 400);
  const body = json(missing);
  t.match(body.message, /缺少必需的列：工单编号、受理时间、诉求类型、诉求内容/);
  t.match(body.details.map((d: any) => d.path), ['file.工单编号', 'file.受理时间', 'file.诉求类型', 'file.诉求内容']);
  const mapping = { source: 'hotline_12345', columns: { 编号: 'externalNo', 时间: 'receivedAt', 类别: 'kind', 内容: 'content', 村: 'village' } };
  const ok = json(await upload(ctx, clerk, file, mapping));
  t.match(ok, { rows: 1, valid: 1, source: 'hotline_12345' });
  t.match(json(await commit(ctx, clerk, ok.importId)), { imported: 1 });
  const row = (await ctx.db.pool.query(`SELECT source, village_code FROM tickets WHERE external_no = 'HL-001'`)).rows[0];
  t.same(row, { source: 'hotline_12345', village_code: 'nanling' });

  const badMapping = await upload(ctx, clerk, file, { columns: { 编号: 'ticketNumber' } });
  t.equal(badMapping.statusCode, 400);
  t.equal(json(badMapping).details[0].path, 'mapping.columns.编号');
  const notJson = multipart({ mapping: '{oops', file });
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...clerk.headers, ...notJson.headers }, payload: notJson.payload });
  t.equal(res.statusCode, 400);
  t.equal(json(res).details[0].path, 'mapping');
});

t.test('refusals: not a spreadsheet, empty, too large, too many rows, not multipart', async (t) => {
  const before = await ticketCount();
  const png = await upload(ctx, clerk, { filename: 'photo.csv', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') });
  t.equal(png.statusCode, 415, png.body);
  t.match(json(png), { code: 'UNSUPPORTED_MEDIA_TYPE', message: /不是表格文件/ });
  const xls = await upload(ctx, clerk, { filename: 'old.xls', content: Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]) });
  t.equal(xls.statusCode, 415);
  t.match(json(xls).message, /另存为 \.xlsx 或 \.csv/);
  const zip = await upload(ctx, clerk, { filename: 'fake.xlsx', content: Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(64)]) });
  t.equal(zip.statusCode, 415, zip.body);
  const empty = await upload(ctx, clerk, { filename: 'empty.csv', content: Buffer.alloc(0) });
  t.equal(empty.statusCode, 400);
  t.match(json(empty), { code: 'VALIDATION_FAILED', details: [{ path: 'file' }] });
  const headerOnly = await upload(ctx, clerk, { filename: 'h.csv', content: Buffer.from(csvText([HEADER])) });
  t.equal(headerOnly.statusCode, 400);
  t.match(json(headerOnly).details[0].message, /没有数据行/);
  const big = await upload(ctx, clerk, { filename: 'big.csv', content: Buffer.alloc(20 * 1024 * 1024 + 1, 0x41) });
  t.equal(big.statusCode, 413);
  t.match(json(big).message, /20 MB/);
  const line = `GD-X,2026-11-04 08:00,求助,${WATER}\r\n`;
  const many = Buffer.from(`工单编号,受理时间,工单类型,主要内容\r\n${line.repeat(50_001)}`);
  const tooMany = await upload(ctx, clerk, { filename: 'many.csv', content: many });
  t.equal(tooMany.statusCode, 413, tooMany.body.slice(0, 300));
  t.match(json(tooMany).message, /50 000 行/);
  const notMultipart = await ctx.app.inject({ method: 'POST', url: '/api/v1/imports', headers: clerk.headers, payload: { file: 'x' } });
  t.equal(notMultipart.statusCode, 415);
  const noFile = multipart({ mapping: '{}' });
  const nf = await ctx.app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...clerk.headers, ...noFile.headers }, payload: noFile.payload });
  t.equal(nf.statusCode, 400);
  t.equal(json(nf).details[0].path, 'file');
  t.equal(await ticketCount(), before, 'nothing stored by any refusal');
  const unknown = await ctx.app.inject({ method: 'POST', url: '/api/v1/imports/00000000-0000-4000-8000-000000000000/commit', headers: clerk.headers });
  t.equal(unknown.statusCode, 404);
  t.equal(json(unknown).code, 'NOT_FOUND');
});

t.test('who may import', async (t) => {
  const file = { filename: 'a.csv', content: Buffer.from(csvText(MESSY.slice(0, 2))) };
  for (const roles of [['handler'], ['leader'], ['admin']] as const) {
    const s = await staffSession(ctx, [...roles], roles[0] === 'handler' ? 'sw' : null);
    const res = await upload(ctx, s, file);
    t.equal(res.statusCode, 403, `${roles[0]} may not import`);
  }
  const anonymous = multipart({ file });
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/imports', headers: anonymous.headers, payload: anonymous.payload });
  t.equal(res.statusCode, 401);
  const sup = await upload(ctx, supervisor, file);
  t.equal(sup.statusCode, 200, 'a supervisor may');
});

t.test('two commits racing register each row once; an import expires after 24 hours', async (t) => {
  const rows = [HEADER.slice(0, 4), ...['RC-1', 'RC-2', 'RC-3'].map((no) => [no, '2026-11-18 08:00', '求助', `${no} 西河村灌溉水渠堵塞，需要清理`])];
  const r = json(await upload(ctx, clerk, { filename: 'race.csv', content: Buffer.from(csvText(rows)) }));
  const answers = await Promise.all([commit(ctx, clerk, r.importId), commit(ctx, clerk, r.importId)]);
  const codes = answers.map((a) => a.statusCode).sort();
  t.ok(codes[0] === 200 && [200, 409].includes(codes[1]), `one commit, the other answers the same or 409 (${codes})`);
  const refused = answers.find((a) => a.statusCode === 409);
  if (refused) t.match(json(refused).message, /正在导入中/);
  const n = (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets WHERE external_no LIKE 'RC-%'`)).rows[0].n;
  t.equal(n, 3, 'each row registered once');
  const status = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/imports/${r.importId}`, headers: clerk.headers }));
  t.match(status, { status: 'committed', total: 3, done: 3, result: { imported: 3 } });
  const staged = (await ctx.db.pool.query(`SELECT staged FROM imports WHERE id = $1`, [r.importId])).rows[0].staged;
  t.same(staged, [], 'the staged rows (personal data) are dropped once committed');

  const later = json(await upload(ctx, clerk, { filename: 'later.csv', content: Buffer.from(csvText([rows[0], ['RC-9', '2026-11-18 08:00', '求助', '北苑社区路灯坏了好几盏']])) }));
  ctx.clock.advance(24 * 3600_000 + 1000);
  const fresh = await staffSession(ctx, ['clerk']);
  t.equal((await commit(ctx, fresh, later.importId)).statusCode, 404, 'not theirs');
  const expired = await commit(ctx, await login(ctx, clerk.username), later.importId);
  t.equal(expired.statusCode, 404, 'expired');
  t.match(json(expired).message, /24小时/);
  const { housekeeping } = await import('../../src/services/housekeeping.service.js');
  const pruned = await housekeeping(ctx.deps);
  t.ok(pruned.imports >= 1, 'housekeeping deletes expired imports');
  t.equal((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM imports WHERE id = $1`, [later.importId])).rows[0].n, 0);
});

t.test('the OpenAPI document describes the import routes and the export', async (t) => {
  const doc = json(await ctx.app.inject({ method: 'GET', url: '/openapi.json' }));
  t.ok(doc.paths['/api/v1/imports'].post.requestBody?.content?.['multipart/form-data'] ?? doc.paths['/api/v1/imports'].post.description, 'multipart upload');
  t.ok(doc.paths['/api/v1/imports'].post.responses['200'].content['application/json'].schema.properties.alreadyImported);
  t.ok(doc.paths['/api/v1/imports/{importId}/commit'].post.responses['200']);
  t.ok(doc.paths['/api/v1/imports/{importId}'].get);
  t.ok(doc.paths['/api/v1/imports/{importId}/errors.csv'].get);
  t.match(JSON.stringify(doc.paths['/api/v1/tickets'].get.parameters), /"format"/);
});

