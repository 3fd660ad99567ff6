// Department work in a real browser (SPEC §1, §3): a handler sees only their own department's
// tickets in the list and the inbox; a handler asks for an extension (a form error keeps what was
// typed) and a supervisor approves it on the ticket page.
import t from 'tap';
import { json, registrationRequest, staffSession, type Session } from '../helpers/app.js';
import { liveApp, newPage, shot, signIn, staffUser, type LiveApp } from '../helpers/browser.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

const live: LiveApp = await liveApp(t);
const clerk = await staffSession(live, ['clerk']);
const roadHandler = await staffUser(live, ['handler'], 'cj');
const supervisor = await staffUser(live, ['supervisor']);

async function assignedTicket(session: Session, departmentCode: string, content: string): Promise<string> {
  const res = await live.app.inject(registrationRequest(session, { channel: 'phone', kind: 'help', content, complainant: { phone: '13700005678' } }));
  if (res.statusCode !== 201) throw new Error(res.body);
  const no = json(res).ticketNo as string;
  const r = await live.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/actions/assign`, headers: session.headers, payload: { departmentCode } });
  if (r.statusCode !== 200) throw new Error(r.body);
  return no;
}

const road = await assignedTicket(clerk, 'cj', '村里的路灯坏了一个多月，晚上出行不便');
const water = await assignedTicket(clerk, 'sw', '家里自来水这几天水压很低，做饭都不够用');

t.test('a handler sees only their own department in the list, the inbox and the ticket pages', async (t) => {
  const { page } = await newPage(t, live);
  await signIn(page, roadHandler);
  let text = await page.locator('main').textContent();
  t.match(text, formatTicketNo(road), 'the inbox lists the department’s ticket');
  t.notMatch(text, formatTicketNo(water), 'and not another department’s');
  t.match(text, '签收', 'with the work awaiting (sign-off)');
  await shot(page, 'staff-inbox');

  await page.goto('/staff/tickets');
  text = await page.locator('main').textContent();
  t.match(text, formatTicketNo(road));
  t.notMatch(text, formatTicketNo(water), 'the list is scoped to the department');
  await page.goto('/staff/tickets?departmentCode=sw');
  t.notMatch(await page.locator('main').textContent(), formatTicketNo(water), 'asking for another department finds nothing');
  await shot(page, 'staff-tickets');

  const res = await page.goto(`/staff/tickets/${water}`);
  t.equal(res?.status(), 404, 'another department’s ticket does not exist for them');
  t.match(await page.locator('main').textContent(), '未找到该工单');
});

t.test('a handler requests an extension; a supervisor approves it on the ticket page', async (t) => {
  const { page: h } = await newPage(t, live);
  await signIn(h, roadHandler);
  await h.goto(`/staff/tickets/${road}`);
  await Promise.all([h.waitForURL(/done=accept/), h.getByRole('button', { name: '签收' }).click()]);
  await h.locator('#act-request_extension > summary').click();
  await h.getByLabel('延期理由').fill('需要等供电所更换灯杆');
  await h.getByRole('button', { name: '申请延期' }).click();
  // No number of days: the error is next to that field, in Chinese, and the reason is still there.
  t.match(await h.locator('#a-request_extension-workingDays ~ .error').textContent(), '必填');
  t.equal(await h.getByLabel('延期理由').inputValue(), '需要等供电所更换灯杆', 'nothing typed is lost');
  await shot(h, 'staff-ticket-error');
  await h.getByLabel('延期工作日数').fill('5');
  await Promise.all([h.waitForURL(/done=request_extension/), h.getByRole('button', { name: '申请延期' }).click()]);

  const { page: s } = await newPage(t, live);
  await signIn(s, supervisor);
  t.equal(new URL(s.url()).pathname, '/staff/supervision', 'a supervisor starts at the supervision board');
  t.match(await s.locator('#extensions').textContent(), formatTicketNo(road), 'the request awaits a decision on the board');
  await shot(s, 'staff-supervision');
  await s.locator('#extensions').getByRole('link', { name: formatTicketNo(road) }).click();
  t.match(await s.locator('#act-decide_extension').textContent(), '申请延期 5 个工作日：需要等供电所更换灯杆');
  const before = await live.db.pool.query('SELECT due_at FROM tickets WHERE ticket_no = $1', [road]);
  await shot(s, 'staff-ticket-extension');
  await Promise.all([s.waitForURL(/done=decide_extension/), s.getByRole('button', { name: '批准延期' }).click()]);
  t.match(await s.locator('[role=status]').textContent(), '已完成：审批延期');
  t.match(await s.locator('#timeline').textContent(), '批准延期');
  const after = await live.db.pool.query('SELECT due_at, pending_extension FROM tickets WHERE ticket_no = $1', [road]);
  t.equal(after.rows[0].pending_extension, null);
  // 10 working days from Wed 2026-11-25 is Wed 12-09; five more working days: Wed 12-16.
  t.equal(before.rows[0].due_at.toISOString(), '2026-12-09T15:59:59.000Z');
  t.equal(after.rows[0].due_at.toISOString(), '2026-12-16T15:59:59.000Z', 'the approved extension moved the deadline');
  t.equal(await s.locator('#act-decide_extension').count(), 0, 'nothing left to decide');
});
