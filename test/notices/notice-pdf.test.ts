// The notice as it is printed for the village bulletin board: the page printed to A4 by headless
// Chromium, with its Chinese text extractable from the PDF (pdftotext), and a screenshot of the
// page kept under test-artifacts/ for people to look at.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { json, login, createStaff, registrationRequest } from '../helpers/app.js';
import { ARTIFACTS, liveApp, newPage, PHONE } from '../helpers/browser.js';

const live = await liveApp(t);
const clerk = await createStaff(live, ['clerk']);
const sup = await createStaff(live, ['supervisor']);
const villages = ['dongshan', 'xihe', 'nanling', 'beiyuan'];
const topics: [string, string][] = [['road', '村口道路有大坑'], ['drinking_water', '自来水水压太低'], ['sanitation', '垃圾好几天没人清运'], ['power', '晚上经常停电']];
for (let i = 0; i < 24; i++) {
  const [categoryCode, text] = topics[i % topics.length];
  const res = await live.app.inject(
    registrationRequest(await login(live, clerk), {
      channel: 'phone', kind: i % 5 === 0 ? 'help' : 'complaint', categoryCode, villageCode: villages[i % villages.length],
      content: `${text}，请尽快处理（第${i + 1}件），联系人王五 13700000000`, complainant: { name: '王五', phone: '13700000000' },
    }),
  );
  if (res.statusCode !== 201) throw new Error(res.body);
}
const month = json(await live.app.inject({ method: 'GET', url: '/api/v1/tickets?limit=1', headers: (await login(live, clerk)).headers })).items[0].receivedAt.slice(0, 7);
// The notice of the current month (so the test needs no clock games): generated and published.
const headers = (await login(live, sup)).headers;
await live.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers, payload: { month, nextSteps: '下月起对路灯、道路问题开展专项排查，确保按时办结。' } });
const published = await live.app.inject({ method: 'POST', url: `/api/v1/notices/${month}/publish`, headers });

t.test('printed to A4 with Chinese text extractable', async (t) => {
  t.equal(published.statusCode, 200, published.body);
  const { page } = await newPage(t, live);
  await page.goto(`/notices/${month}`);
  const dir = path.join(ARTIFACTS, 'notice');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `notice-${month}-desktop.png`), fullPage: true });
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const pdfPath = path.join(dir, `notice-${month}.pdf`);
  writeFileSync(pdfPath, pdf);
  t.ok(pdf.length > 10_000, `PDF written (${pdf.length} bytes)`);
  const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
  t.match(text, /群众诉求办理情况公示/, 'the title is extractable');
  t.match(text, /各部门办理情况/);
  t.match(text, /道路桥梁与路灯/);
  t.match(text, /下月起对路灯/);
  t.notMatch(text, /13700000000|王五/, 'no personal data on the printed notice');
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' }))?.[1]);
  t.ok(pages >= 1 && pages <= 6, `${pages} A4 page(s)`);
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', pdfPath, path.join(dir, `notice-${month}-a4`)]);
});

t.test('readable on a phone', async (t) => {
  const { page } = await newPage(t, live, PHONE);
  await page.goto(`/notices/${month}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'notice', `notice-${month}-phone.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  t.ok(overflow <= 1, `no sideways scrolling of the page (${overflow}px); wide tables scroll inside their box`);
});
