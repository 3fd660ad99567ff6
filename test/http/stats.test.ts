// SPEC §9 statistics from a known set of tickets driven through the real lifecycle: every figure
// is compared with a value worked out by hand (the comments show the working).
import t from 'tap';
import { json, setupApp } from '../helpers/app.js';
import { register as registerAs, staffCast } from '../helpers/tickets.js';
import { TestClock } from '../helpers/clock.js';

const clock = new TestClock('2026-11-02T01:00:00Z'); // Mon 2026-11-02 09:00 +08
const ctx = await setupApp(t, { clock });
const cast = await staffCast(ctx, {
  clerk: [['clerk'], null, 'st-clerk'],
  sup: [['supervisor'], null, 'st-sup'],
  roadA: [['handler'], 'cj', 'st-road-a'],
  roadB: [['handler'], 'cj', 'st-road-b'],
  water: [['handler'], 'sw', 'st-water'],
});
const { headers, act } = cast;
async function register(content: string): Promise<string> {
  return registerAs(ctx, await cast.as('clerk'), { channel: 'phone', kind: 'complaint', content, complainant: { phone: '13500000000' } });
}
const hours = (h: number) => clock.advance(h * 3600_000);

// Road (cj), all received Mon 11-02; sign-off due Tue 11-03 end of day; resolve due Mon 11-23.
const r1 = await register('村口路面坑洼一处'); // A accepts in time, replies in time, satisfied+resolved → closed
const r2 = await register('村口路面坑洼二处'); // B accepts late (Wed), replies; resident dissatisfied → reopen; B accepts again
const r3 = await register('村口路面坑洼三处'); // returned by A, supervisor refuses (improper), A accepts, still open at month end
const w1 = await register('家里停水一整天'); // water: accepted in time, replied, unreachable follow-up → closed not reached
for (const no of [r1, r2, r3]) await act('clerk', no, 'assign', { departmentCode: 'cj' });
await act('clerk', w1, 'assign', { departmentCode: 'sw' });
hours(2);
await act('roadA', r1, 'accept');
await act('water', w1, 'accept');
await act('roadA', r3, 'return', { reasonCode: 'wrong_function', reason: '不归我们管' });
await act('sup', r3, 'decide_return', { accept: false, note: '属于村镇建设办' });
await act('roadA', r3, 'accept');
hours(2);
await act('roadA', r1, 'reply', { reply: '已修补', result: 'resolved' });
await act('water', w1, 'reply', { reply: '已恢复供水', result: 'resolved' });
await act('clerk', r1, 'record_followup', { resolved: true, satisfaction: 'satisfied' });
await act('clerk', w1, 'record_followup', { resolved: false, satisfaction: 'unreachable' });
clock.set('2026-11-04T02:00:00Z'); // Wed: after r2's sign-off deadline (Tue 23:59:59)
await act('roadB', r2, 'accept');
await act('roadB', r2, 'reply', { reply: '已处理', result: 'explained' });
await act('clerk', r2, 'record_followup', { resolved: false, satisfaction: 'dissatisfied' });
await act('roadB', r2, 'accept'); // after the reopen: sign-off due again 1 working day later → on time
clock.set('2026-12-01T02:00:00Z'); // month over; r2 and r3 open; resolve due 11-23 passed → overdue open

t.test('department figures equal the hand-computed values', async (t) => {
  const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/stats/departments?month=2026-11', headers: await headers('sup') });
  t.equal(res.statusCode, 200, res.body);
  const body = json(res);
  t.equal(body.frozen, false);
  const cj = body.items.find((i: { departmentCode: string }) => i.departmentCode === 'cj');
  const sw = body.items.find((i: { departmentCode: string }) => i.departmentCode === 'sw');
  // cj sign-off clocks: r1, r2, r3 assigned (3) + r3 re-assigned by the refused return (1) + r2's
  // reopen (1) = 5. Acceptances in time: r1 yes; r3 (after the refusal) yes; r2 on Wed — its
  // sign-off was due Tue — no; r2 after the reopen yes → 3. r3's first assignment ended in a return.
  t.match(cj, { received: 3, assigned: 5, acceptedOnTime: 3, replied: 2, repliedOnTime: 2, overdueOpen: 2 });
  // Replied on time ÷ (replied + overdue open) = 2 / (2 + 2).
  t.same(cj.onTimeRate, { numerator: 2, denominator: 4, value: 0.5 });
  t.same(cj.responseRate, { numerator: 3, denominator: 5, value: 0.6 });
  // Follow-ups reached: r1 satisfied+resolved, r2 dissatisfied+not resolved → resolution 1/2, satisfaction 1/2.
  t.same(cj.resolutionRate, { numerator: 1, denominator: 2, value: 0.5 });
  t.same(cj.satisfactionRate, { numerator: 1, denominator: 2, value: 0.5 });
  t.match(cj, { reopened: 1, returned: 1, improperReturns: 1 });
  // sw: one ticket, unreachable follow-up → not reached: both follow-up rates have no denominator.
  t.match(sw, { received: 1, assigned: 1, acceptedOnTime: 1, replied: 1, repliedOnTime: 1, overdueOpen: 0 });
  t.same(sw.resolutionRate, { numerator: 0, denominator: 0, value: null });
  t.same(sw.satisfactionRate, { numerator: 0, denominator: 0, value: null });
});

t.test('handler figures', async (t) => {
  const body = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/stats/handlers?month=2026-11', headers: await headers('sup') }));
  const by = (name: string) => body.items.find((i: { username: string }) => i.username === name);
  // A: accepted r1, r3 (both before their sign-off due) → 2/2; replied r1 on time; returned r3 (improper).
  t.match(by('st-road-a'), { accepted: 2, acceptedOnTime: 2, replied: 1, repliedOnTime: 1, returned: 1, improperReturns: 1, followupsReached: 1, followupsResolved: 1, followupsSatisfied: 1, reopened: 0 });
  // B: accepted r2 twice — Wed (late: due Tue) and right after the reopen (in time) → 1 of 2;
  // replied once (in time); the follow-up of that reply: dissatisfied, not resolved, reopened.
  t.match(by('st-road-b'), { accepted: 2, acceptedOnTime: 1, replied: 1, repliedOnTime: 1, followupsReached: 1, followupsResolved: 0, followupsSatisfied: 0, reopened: 1 });
  t.same(by('st-road-b').responseRate, { numerator: 1, denominator: 2, value: 0.5 });
  t.same(by('st-water').resolutionRate, { numerator: 0, denominator: 0, value: null });
});

t.test('CSV, freezing, and a frozen month no longer changes', async (t) => {
  const csv = await ctx.app.inject({ method: 'GET', url: '/api/v1/stats/departments?month=2026-11&format=csv', headers: await headers('sup') });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  t.ok(csv.body.startsWith('\uFEFF部门,受理量'), 'BOM and Chinese header');
  t.match(csv.body, /村镇建设办,3,5,3,2,2,2,1,1,1/);
  const early = await ctx.app.inject({ method: 'POST', url: '/api/v1/stats/freeze', headers: await headers('sup'), payload: { month: '2026-12' } });
  t.equal(early.statusCode, 409, 'the current month cannot be frozen');
  const frozen = await ctx.app.inject({ method: 'POST', url: '/api/v1/stats/freeze', headers: await headers('sup'), payload: { month: '2026-11' } });
  t.equal(frozen.statusCode, 200, frozen.body);
  t.equal(json(frozen).frozen, true);
  await act('roadA', r3, 'reply', { reply: '补办完成', result: 'resolved' });
  const after = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/stats/departments?month=2026-11', headers: await headers('sup') }));
  t.equal(after.frozen, true);
  t.match(after.items.find((i: { departmentCode: string }) => i.departmentCode === 'cj'), { replied: 2 }, 'the snapshot, not the live figure (3)');
  const again = await ctx.app.inject({ method: 'POST', url: '/api/v1/stats/freeze', headers: await headers('sup'), payload: { month: '2026-11' } });
  t.equal(again.statusCode, 409);
  const bad = await ctx.app.inject({ method: 'GET', url: '/api/v1/stats/departments?month=2026-13', headers: await headers('sup') });
  t.equal(bad.statusCode, 400);
});
