// The staff search `q` (SPEC §12, §14; migrations 0015 and 0023): by words of the content, the
// phone's last 4 digits, the whole phone, the name and the ticket number, each answered through
// GET /api/v1/tickets, the last 4 digits on their index; and the duplicate candidates of a busy week
// (more than 200 tickets of one village and category) read from two bounded branches, the same
// candidates the old single OR query kept.
import t from 'tap';
import type pg from 'pg';
import { json, setupApp, staffSession } from '../helpers/app.js';
import { register } from '../helpers/tickets.js';
import { listTickets } from '../../src/db/ticket-list.repository.js';
import { findDuplicateCandidates } from '../../src/db/ticket-links.repository.js';
import { duplicateCandidatesSql } from '../../src/db/tickets.repository.js';
import { explainRowsRead } from '../../src/db/explain.js';
import type { Db } from '../../src/db/tx.js';

const ctx = await setupApp(t); // clock at 2026-11-25T01:30:00Z
const clerk = await staffSession(ctx, ['clerk']);
const now = ctx.clock.now();
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000).toISOString();

const A = await register(ctx, clerk, {
  channel: 'phone', kind: 'complaint', content: '村东头的水泥路塌了一个大坑，晚上骑电动车的人已经摔了两个', categoryCode: 'road',
  complainant: { name: '欧阳建国', phone: '13900112233' }, villageCode: 'dongshan', receivedAt: hoursAgo(30),
});
const B = await register(ctx, clerk, {
  channel: 'walk_in', kind: 'help', content: '自来水有一股怪味，颜色发黄，请派人检测', categoryCode: 'drinking_water',
  complainant: { name: '李秀英', phone: '13700445566' }, villageCode: 'xihe', receivedAt: hoursAgo(20),
});

// The busy week: 230 same-village, same-category tickets, one every 40 minutes, a few of them
// worded like A and a few from A's phone.
const busy: string[] = [];
for (let i = 0; i < 230; i++) {
  busy.push(await register(ctx, clerk, {
    channel: 'phone', kind: 'complaint', categoryCode: 'road', villageCode: 'nanling',
    content: i % 10 === 0 ? `南岭村${i}号门口的水泥路塌了一个大坑` : `南岭村第${i}组的路灯坏了，晚上出门一片黑`,
    complainant: { name: `王${i}`, phone: i % 25 === 0 ? '13900112233' : `1380000${String(i).padStart(4, '0')}` },
    receivedAt: hoursAgo(1 + i * 0.66),
  }));
}

async function search(q: string): Promise<string[]> {
  const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets?limit=100&q=${encodeURIComponent(q)}`, headers: clerk.headers });
  t.equal(res.statusCode, 200, `q=${q}`);
  return json(res).items.map((i: { ticketNo: string }) => i.ticketNo);
}

t.test('q finds by content words, last 4, whole phone, name and number', async (t) => {
  t.same(await search('怪味'), [B], 'a two-character word of the content');
  t.same(await search('颜色发黄'), [B], 'a longer phrase');
  t.equal((await search('大坑')).length, 1 + 23, 'a word many tickets share: A and every tenth busy one');
  t.ok((await search('大坑')).includes(A));
  const byLast4 = await search('2233');
  t.equal(byLast4.length, 11, 'the last 4 digits: A and the ten busy tickets from its phone');
  t.ok(byLast4.includes(A));
  t.same(await search('5566'), [B], 'the last 4 digits of B');
  t.same(await search('137 0044 5566'), [B], 'the whole phone, spoken with spaces');
  t.same(await search('李秀英'), [B], 'the whole name');
  t.same(await search('秀英'), [B], 'part of the name');
  t.same(await search('欧阳建国'), [A], 'a compound surname');
  t.same(await search(A), [A], 'the ticket number');
  t.same(await search(B.slice(8, 14)), [B], 'part of the ticket number');
  t.same(await search('了两个大坑'), [], 'all the bigrams somewhere, but not the phrase: ILIKE decides');
  t.same(await search('没有这回事'), []);
});

/** The plans of the list's statements for `q`, run for real with sequential scans off. */
async function plansOf(q: string): Promise<string[]> {
  const client = await ctx.db.pool.connect();
  try {
    await client.query('SET enable_seqscan = off');
    const plans: string[] = [];
    const explaining = {
      query: async (text: string | { text: string; values: unknown[] }, params?: unknown[]) => {
        const [sql, values] = typeof text === 'string' ? [text, params] : [text.text, text.values];
        // The search's own estimates (EXPLAIN already) run as they are.
        if (sql.startsWith('EXPLAIN')) return client.query(sql, values);
        plans.push((await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n'));
        return client.query(sql, values);
      },
    } as unknown as Db;
    await listTickets(explaining, { q, limit: 50, now });
    return plans;
  } finally {
    await client.query('RESET ALL');
    client.release();
  }
}

t.test('numbers and phones are looked up on their indexes, and the page on the ids found', async (t) => {
  const cases: [string, RegExp][] = [
    ['2233', /tickets_phone_last4_idx/],
    ['13900112233', /tickets_phone_digits_idx/],
    [A, /tickets_no_prefix_idx|tickets_ticket_no_key/],
    [B.slice(8, 14), /tickets_no_tail_idx/],
  ];
  for (const [q, index] of cases) {
    const plans = await plansOf(q);
    t.match(plans[0], index, `q=${q}: the matches come from ${index.source}`);
    t.notMatch(plans[1], /tickets_received_idx/, `q=${q}: the page does not walk the newest-first index`);
  }
});

const OLD_DUPLICATES_SQL = `SELECT ticket_no FROM tickets
  WHERE received_at >= $4 AND status NOT IN ('merged')
    AND ((complainant_phone = $1) OR (village_code = $2 AND category_code = $3))
  ORDER BY received_at DESC LIMIT 50`;

/** Rows the bounded duplicate query reads from tickets (EXPLAIN ANALYZE). */
async function rowsRead(pool: pg.Pool, values: unknown[]): Promise<number> {
  return explainRowsRead(pool, duplicateCandidatesSql('$1::text', '$2::text', '$3::text', '$4::timestamptz'), values, 'tickets');
}

t.test('duplicate candidates of a busy week: the same as the old query, from at most 100 rows', async (t) => {
  const since = new Date(now.getTime() - 7 * 24 * 3600_000);
  for (const [phone, village, category] of [
    ['13900112233', 'nanling', 'road'],
    ['13900112233', 'dongshan', 'road'],
    [null, 'nanling', 'road'],
    ['13700445566', null, null],
  ] as const) {
    const values = [phone, village, category, since];
    const before = (await ctx.db.pool.query(OLD_DUPLICATES_SQL, values)).rows.map((r) => r.ticket_no);
    const after = (await findDuplicateCandidates(ctx.db.pool, { phone, villageCode: village, categoryCode: category, since })).map((c) => c.ticketNo);
    t.same(after, before, `${phone} ${village} ${category}: the same candidates, newest first`);
    const read = await rowsRead(ctx.db.pool, values);
    t.ok(read <= 100, `${phone} ${village} ${category}: ${read} rows read`);
  }
  const busyWeek = (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets WHERE village_code = 'nanling' AND category_code = 'road' AND received_at >= $1`, [since])).rows[0].n;
  t.ok(busyWeek > 200, `the week holds ${busyWeek} same-village, same-category tickets`);

  // Through registration too: the answer's candidates come from the same bounded read.
  const res = await ctx.app.inject({
    method: 'POST', url: '/api/v1/classify', headers: clerk.headers,
    payload: { content: '南岭村门口的水泥路塌了一个大坑', villageCode: 'nanling', categoryCode: 'road', phone: '13900112233' },
  });
  const shown = json(res).duplicateCandidates.map((d: { ticketNo: string }) => d.ticketNo);
  t.equal(shown.length, 5, 'five shown, best first');
  t.ok(shown.every((no: string) => busy.includes(no) || no === A));
});

t.test('every search: the indexed path and the newest-first walk give the same answer', async (t) => {
  for (const q of ['大坑', '路灯坏了', '水泥路塌了一个大坑', '秀英', '王1', '怪味', '了两个大坑', '没有这回事', '１２组的路灯', '2233', '13900112233', A, B.slice(8, 14), B.slice(0, 8)]) {
    const rare = (await listTickets(ctx.db.pool, { q, limit: 100, now })).map((r) => r.ticketNo);
    const walk = (await listTickets(ctx.db.pool, { q, limit: 100, now, rareMatches: 0 })).map((r) => r.ticketNo);
    t.same(rare, walk, `q=${q}: ${rare.length} found either way`);
  }
  const some = (await listTickets(ctx.db.pool, { q: '路灯坏了', limit: 100, now })).length;
  t.equal(some, 100, 'a page of the 207 matches');
});

t.test('a rare word is found through the bigram index, not by reading the table', async (t) => {
  const plans = await plansOf('怪味');
  t.match(plans[0], /tickets_content_terms_idx/, 'the matches come from the bigram index');
  t.notMatch(plans[1], /tickets_received_idx/, 'the page does not walk the newest-first index');
  t.same((await listTickets(ctx.db.pool, { q: '怪味', limit: 50, now })).map((r) => r.ticketNo), [B]);
});

t.test('the query is split into bigrams exactly as the database indexes the content', async (t) => {
  t.plan(1);
  const fc = await import('fast-check');
  const { searchBigrams } = await import('../../src/domain/search-terms.js');
  const alphabet = [...'大坑路灯坏了水泥王秀英ABCz09１２，。 -!？\u3000\n'];
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }).map((cs) => cs.join('')), async (text) => {
      const { rows } = await ctx.db.pool.query<{ terms: string[] }>(`SELECT tsvector_to_array(hy_search_terms($1)) AS terms`, [text]);
      return JSON.stringify([...rows[0].terms].sort()) === JSON.stringify(searchBigrams(text).sort());
    }),
    { numRuns: 200 },
  );
  t.pass('200 texts: the same bigrams');
});

t.test('the list filters by village (SPEC §12 villageCode)', async (t) => {
  const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/tickets?limit=200&villageCode=xihe', headers: clerk.headers });
  t.equal(res.statusCode, 200);
  t.same(json(res).items.map((i: { ticketNo: string }) => i.ticketNo), [B], 'only the one ticket from 西河村');
  const bad = await ctx.app.inject({ method: 'GET', url: '/api/v1/tickets?villageCode=%E8%A5%BF%E6%B2%B3', headers: clerk.headers });
  t.equal(bad.statusCode, 400);
  t.equal(json(bad).details[0].path, 'villageCode');
});
