// Resident SMS: retried with backoff through a failing gateway, capped per phone per day, and the
// texts of the template table (the merged ticket's resident is told the surviving number).
import t from 'tap';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { act } from '../helpers/tickets.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';
import { setupWorkers, waitFor } from '../helpers/workers.js';
import { startFakeSms } from '../helpers/fake-sms.js';
import { httpNotifier } from '../../src/services/notifier.js';
import { DAILY_CAP_PER_PHONE } from '../../src/services/notify.service.js';

const ctx = await setupApp(t);
const sms = await startFakeSms();
t.teardown(() => sms.close());
await setupWorkers(t, ctx, { notifier: httpNotifier(sms.url) });
const clerk = await staffSession(ctx, ['clerk']);

async function register(phone: string | undefined, content = '路灯坏了好几天了'): Promise<string> {
  const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content, ...(phone ? { complainant: { phone } } : {}) }));
  return json(res).ticketNo;
}

t.test('a gateway that fails twice still delivers once', async (t) => {
  sms.failNext = 2;
  const before = sms.requests.length;
  const no = await register('13700000001');
  await waitFor('delivery', async () => sms.deliveries.some((d) => d.text.includes(formatTicketNo(no))), 15_000);
  t.equal(sms.requests.length - before, 3, 'two failures, then success');
  const mine = sms.deliveries.filter((d) => d.text.includes(formatTicketNo(no)));
  t.equal(mine.length, 1);
  t.equal(mine[0].to, '13700000001');
  t.match(mine[0].text, /^【示例镇】您反映的诉求已登记，工单号\d{8}-\d{6}-\d，将于\d{4}年\d{1,2}月\d{1,2}日前答复。查询进度：http:\/\/localhost:3000\/track\?no=\d{15}$/);
});

t.test('no more than the daily cap per phone', async (t) => {
  const phone = '13700000002';
  const numbers: string[] = [];
  for (let i = 0; i < DAILY_CAP_PER_PHONE + 2; i++) numbers.push(await register(phone, `第${i}件事：路灯不亮`));
  await waitFor('all processed', async () => {
    const { rows } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE recipient = $1 AND status IN ('sent','capped')`, [phone]);
    return rows[0].n === numbers.length;
  }, 15_000);
  const { rows } = await ctx.db.pool.query(`SELECT status, count(*)::int AS n FROM notifications WHERE recipient = $1 GROUP BY status ORDER BY status`, [phone]);
  t.same(rows, [{ status: 'capped', n: 2 }, { status: 'sent', n: DAILY_CAP_PER_PHONE }]);
  t.equal(sms.deliveries.filter((d) => d.to === phone).length, DAILY_CAP_PER_PHONE);
});

t.test('the merged ticket’s resident is told the surviving number; no phone, no SMS', async (t) => {
  const keep = await register('13700000003', '村口路面塌陷了');
  const dup = await register('13700000004', '村口路面塌了个坑');
  t.equal((await act(ctx, clerk, dup, 'merge', { intoTicketNo: keep })).statusCode, 200);
  await waitFor('merge SMS', async () => sms.deliveries.some((d) => d.to === '13700000004' && d.text.includes('合并')), 10_000);
  const text = sms.deliveries.find((d) => d.to === '13700000004' && d.text.includes('合并'))!.text;
  t.ok(text.includes(formatTicketNo(keep)), `names the surviving number: ${text}`);

  const anon = await register(undefined, '匿名反映：路边垃圾没人清理');
  await waitFor('recorded', async () => {
    const { rows } = await ctx.db.pool.query(`SELECT n.status FROM notifications n JOIN tickets t ON t.id = n.ticket_id WHERE t.ticket_no = $1`, [anon]);
    return rows[0]?.status === 'no_recipient';
  });
  const list = await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${keep}/notifications`, headers: clerk.headers });
  t.equal(list.statusCode, 200);
  t.equal(json(list).items[0].recipient, '137****0003', 'recipient masked');
  t.equal(json(list).items[0].status, 'sent');
});
