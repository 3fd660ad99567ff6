// A merged ticket is not a dead end (issue 11 item 6): its resident follows the survivor with their
// own number and phone digits, gets the survivor's reply SMS and may rate it; the survivor's page
// tells the handler a second resident waits.
import t from 'tap';
import { PASSWORD, PHONE, liveApp, newPage, shot, signIn, staffUser } from '../helpers/browser.js';
import { act } from '../helpers/tickets.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

const live = await liveApp(t);

async function headers(roles: Parameters<typeof staffUser>[1], dept: string | null = null) {
  const username = await staffUser(live, roles, dept);
  const res = await live.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: PASSWORD } });
  return { username, h: { cookie: `hy_session=${/hy_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]}`, 'x-csrf-token': res.json().csrfToken as string } };
}

t.test('the resident of a merged ticket follows, hears of and rates the surviving ticket', async (t) => {
  const clerk = await headers(['clerk']);
  const handler = await headers(['handler'], 'cj');
  const register = async (phone: string, key: string) => {
    const res = await live.app.inject({
      method: 'POST', url: '/api/v1/tickets', headers: { ...clerk.h, 'idempotency-key': key },
      payload: { channel: 'phone', kind: 'complaint', content: '东山村桥头路面塌陷，车辆无法通行', categoryCode: 'road', villageCode: 'dongshan', complainant: { phone } },
    });
    t.equal(res.statusCode, 201, res.body);
    return res.json().ticketNo as string;
  };
  const a = await register('13600005555', 'merged-test-a-0001');
  const b = await register('13700006666', 'merged-test-b-0001');
  t.equal((await act(live, clerk.h, b, 'merge', { intoTicketNo: a })).statusCode, 200);

  // The handler of the survivor sees that a second resident waits.
  const { page: staff } = await newPage(t, live);
  await signIn(staff, handler.username);
  t.equal((await act(live, clerk.h, a, 'assign', { departmentCode: 'cj' })).statusCode, 200);
  await staff.goto(`/staff/tickets/${a}`);
  const facts = (await staff.locator('body').textContent()) ?? '';
  t.match(facts, '合并进来的工单');
  t.match(facts, formatTicketNo(b));
  await shot(staff, 'staff-ticket-with-merged');

  t.equal((await act(live, handler.h, a, 'accept')).statusCode, 200);
  t.equal((await act(live, handler.h, a, 'reply', { reply: '桥头路面已于今日修复，恢复通行。', result: 'resolved' })).statusCode, 200);
  const { rows: sms } = await live.db.pool.query(
    `SELECT payload->>'ticketId' AS ticket_id, payload->>'template' AS template FROM outbox
      WHERE topic = 'notifications' AND payload->>'template' = 'replied' ORDER BY id`,
  );
  const { rows: ids } = await live.db.pool.query('SELECT id::text, ticket_no FROM tickets WHERE ticket_no = ANY($1)', [[a, b]]);
  const idOf = new Map(ids.map((r) => [r.ticket_no, r.id]));
  t.same(sms.map((r) => r.ticket_id).sort(), [idOf.get(a), idOf.get(b)].sort(), 'both residents get the reply SMS');

  // The merged number with its own resident's digits shows the survivor's progress and the rating form.
  const { page: phone } = await newPage(t, live, PHONE);
  await phone.goto(`/track?no=${b}`);
  await phone.fill('#f-verify', '6666');
  await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: '查询' }).click()]);
  const page = (await phone.locator('main').textContent()) ?? (await phone.content());
  t.match(page, '合并办理');
  t.match(page, '桥头路面已于今日修复', 'the reply of the survivor');
  t.equal((await phone.locator('h1.state').textContent())?.trim(), '已答复（待回访）');
  t.notMatch(await phone.content(), '13600005555', 'never the other resident\'s phone');
  await shot(phone, 'public-track-merged');
  await phone.getByLabel('已解决').check();
  await phone.getByLabel('满意', { exact: true }).check();
  await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: '提交评价' }).click()]);
  t.match(await phone.locator('[role=status]').first().textContent(), '感谢您的评价');
  const { rows: [survivor] } = await live.db.pool.query('SELECT status, satisfaction FROM tickets WHERE ticket_no = $1', [a]);
  t.same(survivor, { status: 'closed', satisfaction: 'satisfied' }, 'the rating is the survivor\'s follow-up');

  // The survivor's number answers the merged resident's digits too (the SMS of the merge names it).
  const api = await live.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${a}?verify=6666` });
  t.equal(api.statusCode, 200);
  t.equal(api.json().status, 'closed');
  const wrong = await live.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${a}?verify=1111` });
  t.equal(wrong.statusCode, 404, 'other digits still fail');
});
