// The service hall and the resident, in a real browser (SPEC §4, §5, §13): a clerk registers a
// demand with the keyboard alone and prints the receipt; the receipt's QR code opens the lookup
// page; a resident on a phone looks the ticket up, and after the handler replies (in the browser
// too) rates it and sees it closed.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import type { Page } from 'playwright-core';
import { ARTIFACTS, PASSWORD, PHONE, liveApp, newPage, shot, signIn, staffUser, waitForFocus } from '../helpers/browser.js';
import { act } from '../helpers/tickets.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

// jsqr is a UMD bundle: its default export is the module itself under Node's ESM loader.
const jsQR: typeof jsQRModule.default = (jsQRModule as any).default ?? jsQRModule;

const live = await liveApp(t);
const clerk = await staffUser(live, ['clerk']);
const handler = await staffUser(live, ['handler'], 'cj');

const focused = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

/** Presses ↓ until the focused select shows `value` (keyboard only: no clicks, no fill). */
async function chooseByKeyboard(page: Page, value: string): Promise<void> {
  const values = await page.evaluate(() => [...(document.activeElement as HTMLSelectElement).options].map((o) => o.value));
  const current = await page.evaluate(() => (document.activeElement as HTMLSelectElement).selectedIndex);
  const target = values.indexOf(value);
  if (target < current) throw new Error(`${value} is above the current option`);
  for (let i = current; i < target; i++) await page.keyboard.press('ArrowDown');
}

let ticketNo = '';
let qrText = '';

t.test('a clerk registers with the keyboard only and prints the receipt; its QR code is the lookup address', async (t) => {
  const { page } = await newPage(t, live);
  await signIn(page, clerk);
  t.equal(new URL(page.url()).pathname, '/staff/tickets/new', 'a clerk starts at the registration form');
  await waitForFocus(page, 'f-channel');
  t.pass('the first field has the focus');
  await shot(page, 'staff-register');

  await chooseByKeyboard(page, 'walk_in');
  await page.keyboard.press('Tab');
  await chooseByKeyboard(page, 'complaint');
  await page.keyboard.press('Tab');
  t.equal(await focused(page), 'f-content');
  await page.keyboard.type('村口道路有个大坑，晚上骑车很危险，希望尽快修补路面');
  // The suggestion arrives while typing and is listed at the top of the category box.
  await page.waitForFunction(() => document.getElementById('f-categoryCode-hint')?.textContent?.includes('道路桥梁与路灯'));
  await page.keyboard.press('Tab');
  t.equal(await focused(page), 'f-categoryCode');
  await page.keyboard.press('ArrowDown');
  t.equal(await page.inputValue('#f-categoryCode'), 'road', '↓ takes the first suggestion');
  await page.keyboard.press('Tab');
  await page.keyboard.type('李四');
  await page.keyboard.press('Tab');
  await page.keyboard.type('13600001234');
  await page.keyboard.press('Tab'); // anonymous
  await page.keyboard.press('Tab'); // confidential
  await page.keyboard.press('Tab');
  t.equal(await focused(page), 'f-villageCode');
  await chooseByKeyboard(page, 'xihe');
  await page.keyboard.press('Tab');
  t.equal(await focused(page), 'f-address');
  await page.keyboard.type('西河村3组村口');
  await Promise.all([page.waitForURL(/\/receipt\?new=1/), page.keyboard.press('Enter')]);

  ticketNo = new URL(page.url()).pathname.split('/')[3];
  const { rows } = await live.db.pool.query(
    'SELECT channel, kind, category_code, village_code, complainant_name, complainant_phone, address, received_at FROM tickets WHERE ticket_no = $1',
    [ticketNo],
  );
  t.match(rows[0], {
    channel: 'walk_in', kind: 'complaint', category_code: 'road', village_code: 'xihe',
    complainant_name: '李四', complainant_phone: '13600001234', address: '西河村3组村口',
  }, 'everything typed was registered');
  t.equal(rows[0].received_at.toISOString(), '2026-11-25T01:30:00.000Z', 'received time defaults to now (the form opened at 09:30)');

  const receipt = page.locator('#receipt');
  const grouped = formatTicketNo(ticketNo);
  t.match(await receipt.locator('.ticket-no').textContent(), grouped, 'the number is printed in groups');
  t.match(await receipt.textContent(), '2026-12-16 23:59 前', 'the deadline (15 working days, Asia/Shanghai)');
  t.match(await receipt.textContent(), '道路桥梁与路灯');
  t.match(await receipt.textContent(), `${live.base}/track?no=${ticketNo}`);
  t.equal(await receipt.locator('.access-code').count(), 0, 'no access code when a phone was given');
  await shot(page, 'staff-receipt');

  const pdf = await page.pdf({ path: path.join(ARTIFACTS, 'receipt-a5.pdf'), preferCSSPageSize: true, printBackground: true });
  t.equal(pdf.subarray(0, 5).toString(), '%PDF-', 'the receipt prints to PDF (A5)');

  const png = PNG.sync.read(await page.locator('#receipt-qr').screenshot());
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  qrText = code?.data ?? '';
  t.equal(qrText, `${live.base}/track?no=${ticketNo}`, 'the QR code decodes to the lookup address of this ticket');

  await page.goto(`/staff/tickets/${ticketNo}/receipt?format=narrow`);
  await shot(page, 'staff-receipt-narrow');
  const narrow = await page.pdf({ width: '80mm', height: '160mm', printBackground: true });
  writeFileSync(path.join(ARTIFACTS, 'receipt-80mm.pdf'), narrow);
  t.ok(narrow.length > 1000, 'the narrow layout prints on an 80 mm roll');
});

t.test('a resident on a phone looks the ticket up, and rates the reply the handler gave in the browser', async (t) => {
  t.ok(qrText, 'the receipt test ran first');
  const { page: phone } = await newPage(t, live, PHONE);
  await phone.goto(qrText);
  t.equal(await phone.inputValue('#f-no'), formatTicketNo(ticketNo), 'the number is filled in');
  await waitForFocus(phone, 'f-verify');
  t.pass('the cursor waits in the verification box');
  await shot(phone, 'public-track-form');
  await phone.keyboard.type('1234');
  await Promise.all([phone.waitForLoadState('load'), phone.keyboard.press('Enter')]);
  t.equal((await phone.locator('h1.state').textContent())?.trim(), '已登记', 'the resident sees the state');
  t.notMatch(await phone.content(), '李四', 'never the name');
  t.notMatch(await phone.content(), '西河村3组', 'never the address');
  await shot(phone, 'public-track-registered');
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  t.ok(width <= PHONE.width, `no sideways scrolling on a 375-px phone (${width})`);

  // The clerk assigns it (the form proposes the category's department), the handler accepts and replies.
  const { page: clerkPage } = await newPage(t, live);
  await signIn(clerkPage, clerk);
  await clerkPage.goto(`/staff/tickets/${ticketNo}`);
  t.equal(await clerkPage.inputValue('#a-assign-departmentCode'), 'cj', 'the department of the category is proposed');
  await Promise.all([clerkPage.waitForURL(/done=assign/), clerkPage.getByRole('button', { name: '转办' }).click()]);

  const { page: h } = await newPage(t, live);
  await signIn(h, handler);
  t.equal(new URL(h.url()).pathname, '/staff/inbox', 'a handler starts at the inbox');
  await h.getByRole('link', { name: new RegExp(ticketNo.slice(8, 14)) }).click();
  await Promise.all([h.waitForURL(/done=accept/), h.getByRole('button', { name: '签收' }).click()]);
  await h.getByLabel('答复内容（群众可见）').fill('已安排施工队于本周修补村口路面。');
  await h.getByLabel('已解决').check();
  await Promise.all([h.waitForURL(/done=reply/), h.getByRole('button', { name: '提交答复' }).click()]);
  t.equal((await h.locator('.badges .status').textContent())?.trim(), '已答复（待回访）');

  await phone.goto(`/track?no=${ticketNo}`);
  await phone.fill('#f-verify', '1234');
  await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: '查询' }).click()]);
  t.equal((await phone.locator('h1.state').textContent())?.trim(), '已答复（待回访）');
  t.match(await phone.locator('.result').textContent(), '已安排施工队于本周修补村口路面。', 'the reply is shown');
  await shot(phone, 'public-track-rating');
  // Incomplete: the answer scrolls to the rating form and says what is missing, in view.
  await phone.getByLabel('已解决').check();
  await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: '提交评价' }).click()]);
  const missing = phone.locator('#rate .alert.error');
  t.match(await missing.textContent(), '请选择满意程度');
  const top = await missing.evaluate((el) => el.getBoundingClientRect().top);
  t.ok(top >= 0 && top < PHONE.height, `the missing answer is on screen (${Math.round(top)} px from the top)`);
  await shot(phone, 'public-track-rating-incomplete');
  t.equal(await phone.isChecked('input[name=resolved][value=true]'), true, 'what was chosen is kept');
  await phone.getByLabel('满意', { exact: true }).check();
  await phone.fill('#f-comment', '修得很快，谢谢');
  await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: '提交评价' }).click()]);
  t.match(await phone.locator('[role=status]').textContent(), '感谢您的评价');
  t.match((await phone.locator('h1.state').textContent())?.trim(), /^已办结\s*·\s*已解决$/, 'the resident sees it closed, resolved');
  t.equal(await phone.locator('form.rating').count(), 0, 'no second rating form');
  await shot(phone, 'public-track-closed');
});

t.test('a resident who is not satisfied is told what happens next', async (t) => {
  const staff = async (roles: Parameters<typeof staffUser>[1], dept: string | null = null) => {
    const username = await staffUser(live, roles, dept);
    const res = await live.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: PASSWORD } });
    const body = res.json();
    return { cookie: `hy_session=${/hy_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]}`, 'x-csrf-token': body.csrfToken };
  };
  const clerkH = await staff(['clerk']);
  const handlerH = await staff(['handler'], 'sw');
  const reg = await live.app.inject({
    method: 'POST', url: '/api/v1/tickets', headers: { ...clerkH, 'idempotency-key': 'unhappy-resident-0001' },
    payload: { channel: 'phone', kind: 'help', content: '自来水水压太低，二楼没有水', categoryCode: 'drinking_water', complainant: { phone: '13900004321' } },
  });
  const no = reg.json().ticketNo;
  t.equal((await act(live, clerkH, no, 'assign', { departmentCode: 'sw' })).statusCode, 200);
  t.equal((await act(live, handlerH, no, 'accept')).statusCode, 200);
  t.equal((await act(live, handlerH, no, 'reply', { reply: '已检修加压泵，水压恢复正常。', result: 'resolved' })).statusCode, 200);

  const { page: phone } = await newPage(t, live, PHONE);
  await phone.goto(`/track?no=${no}`);
  await phone.fill('#f-verify', '4321');
  await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: '查询' }).click()]);
  await phone.getByLabel('没有解决').check();
  await phone.getByLabel('不满意', { exact: true }).check();
  await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: '提交评价' }).click()]);
  const said = (await phone.locator('[role=status]').first().textContent()) ?? '';
  t.match(said, '重新交给水务站办理', 'says the ticket went back to the department');
  t.match(said, '新的办理期限', 'and by when');
  t.match(said, '再次短信通知', 'and that an SMS will follow');
  await shot(phone, 'public-track-dissatisfied');
});

t.test('the duplicate warning comes while typing, before a second ticket exists', async (t) => {
  const { page } = await newPage(t, live);
  await signIn(page, clerk);
  const { rows: [{ n: before }] } = await live.db.pool.query('SELECT count(*)::int AS n FROM tickets');
  await page.fill('#f-complainant-phone', '13600001234');
  await page.fill('#f-content', '村口那个大坑还没修，晚上骑车很危险');
  await page.locator('#f-content').blur();
  const warning = page.locator('#dup-warning');
  await warning.waitFor({ state: 'visible' });
  const text = (await warning.textContent()) ?? '';
  t.match(text, '可能重复');
  t.match(text, formatTicketNo(ticketNo), 'names the earlier ticket');
  t.match(text, '同一来电号码');
  t.equal(await warning.locator('a').first().getAttribute('href'), `/staff/tickets/${ticketNo}`);
  await shot(page, 'staff-register-duplicate-warning');
  const { rows: [{ n: after }] } = await live.db.pool.query('SELECT count(*)::int AS n FROM tickets');
  t.equal(after, before, 'nothing was registered');
});
