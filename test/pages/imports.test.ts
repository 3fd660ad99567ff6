// The ledger import page in a real browser (SPEC §15, §13): a clerk uploads a spreadsheet, reads
// the report (problems in a table, the full list as CSV), maps a column the defaults did not know,
// validates again and commits; the ticket list offers the filtered ledger as a download.
// Screenshots at 1280 and 375 px.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { DESKTOP, PHONE, liveApp, newPage, shot, signIn, staffUser } from '../helpers/browser.js';
import { csvText } from '../helpers/ledger.js';

const live = await liveApp(t);
const clerk = await staffUser(live, ['clerk']);

const FILE = csvText([
  ['工单编号', '受理时间', '工单类型', '主要内容', '来电人', '联系电话', '村居名称', '办结时间', '回复内容', '是否满意'],
  ['PG-001', '2026/11/3 9:07', '求助', '东山村3组自来水停水两天了，希望尽快恢复供水', '王建国', '138 1234 5678', '东山村', null, null, null],
  ['PG-002', '2026-11-02 10:00', '投诉', '南岭村路灯坏了一个月没人修，晚上出行不安全', '赵强', '139-0000-1111', '南岭村', '2026-11-06 16:00', '已更换路灯灯泡', '满意'],
  ['PG-003', '下周一', '求助', '西河村灌溉水渠堵塞，需要清理', null, '12345', '西河村', null, null, null],
]);

for (const viewport of [DESKTOP, PHONE]) {
  t.test(`upload, report, mapping, commit at ${viewport.width} px`, async (t) => {
    const { page } = await newPage(t, live, viewport);
    await signIn(page, clerk);
    await page.goto('/staff/imports');
    t.equal(await page.locator('h1').textContent(), '台账导入');
    const name = `台账-${viewport.width}.csv`;
    const file = Buffer.from(FILE.replace(/PG-/g, `PG${viewport.width}-`));
    await page.setInputFiles('#file', { name, mimeType: 'text/csv', buffer: file });
    await page.click('#upload button[type=submit]');
    await page.waitForSelector('#report:not([hidden])');
    t.match(await page.locator('#counts').textContent(), /数据行3可导入1其中历史已办结0有问题2已导入过0/, 'before the mapping');
    const cells = await page.locator('#errors tbody tr').allTextContents();
    t.equal(cells.length, 3, 'three problems on two rows (the closed row has no department: 村居名称 is not a known header)');
    t.match(cells.join('\n'), /4受理时间无法识别的时间“下周一”/);
    t.match(cells.join('\n'), /4联系电话电话号码“12345”格式不正确/);
    t.match(cells.join('\n'), /3问题分类历史办结工单须能确定承办部门/);
    t.match(await page.locator('#errors a').getAttribute('href'), /^\/api\/v1\/imports\/[0-9a-f-]{36}\/errors\.csv$/);
    await shot(page, `staff-imports-report`);

    // 村居名称 is the village column: the clerk says so and validates again.
    await page.selectOption('select[data-header="村居名称"]', 'village');
    await page.click('#mapping button[type=submit]');
    await page.waitForFunction(() => /可导入2/.test(document.getElementById('counts')?.textContent ?? ''));
    t.match(await page.locator('#counts').textContent(), /数据行3可导入2其中历史已办结1有问题1/);
    t.match(await page.locator('#commit-text').textContent(), /将登记 2 件工单（其中 1 件按历史已办结导入）/);

    const csv = await page.evaluate(async () => {
      const a = document.querySelector('#errors a') as HTMLAnchorElement;
      return (await fetch(a.href)).text();
    });
    t.match(csv, /^\uFEFF?行号,列,问题\r\n4,受理时间,/, 'the full report as CSV');

    await page.click('#commit-button');
    await page.waitForFunction(() => /导入完成/.test(document.getElementById('result')?.textContent ?? ''));
    t.match(await page.locator('#result').textContent(), /导入完成：新登记 2 件（历史已办结 1 件），已存在 0 件。/);
    t.equal(await page.locator('#progress').evaluate((p: HTMLProgressElement) => p.value === p.max), true, 'the bar is full');
    await shot(page, 'staff-imports-done');
    const rows = (await live.db.pool.query(`SELECT status, village_code FROM tickets WHERE external_no LIKE $1 ORDER BY external_no`, [`PG${viewport.width}-%`])).rows;
    t.same(rows, [{ status: 'registered', village_code: 'dongshan' }, { status: 'closed', village_code: 'nanling' }]);
  });
}

t.test('the ticket list downloads the filtered ledger', async (t) => {
  const { page } = await newPage(t, live);
  await signIn(page, clerk);
  await page.goto('/staff/tickets?status=closed');
  const link = page.locator('.downloads a', { hasText: 'Excel' });
  t.match(await link.getAttribute('href'), /^\/api\/v1\/tickets\?status=closed&format=xlsx$/);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const bytes = readFileSync((await download.path())!);
  t.equal(bytes.subarray(0, 2).toString(), 'PK', 'an XLSX file');
  await shot(page, 'staff-tickets-download');
});
