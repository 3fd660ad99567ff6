// Nothing queued is lost for good (issue 10): jobs the relay handed to the queue and that then
// vanished (a Redis FLUSHALL, a lost delayed job) are republished from the outbox by the
// reconciler, and their effects happen exactly once — on each queue backend.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { BACKENDS, setupWorkers, waitFor } from '../helpers/workers.js';
import { createQueueKit } from '../../src/queue/backend.js';
import { QUEUE_NAMES } from '../../src/queue/names.js';
import { startRelay } from '../../src/queue/relay.js';
import { prepareQueueSchema } from '../../src/db/queue-schema.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

for (const backend of BACKENDS) {
  t.test(`jobs lost after publishing are republished and run once (${backend})`, async (t) => {
    const ctx = await setupApp(t);
    const clerk = await staffSession(ctx, ['clerk']);
    const prefix = `r${randomBytes(4).toString('hex')}`;
    const redisUrl = backend === 'redis' ? process.env.REDIS_URL : undefined;

    const numbers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await ctx.app.inject(
        registrationRequest(clerk, {
          channel: 'phone', kind: 'help', content: `第${i}号：自来水停水两天了`, categoryCode: 'drinking_water',
          complainant: { phone: `1390000${2000 + i}` },
        }),
      );
      t.equal(res.statusCode, 201);
      numbers.push(json(res).ticketNo);
    }

    // A relay with no workers publishes the rows; then the queue loses every job (a flush).
    if (!redisUrl) await prepareQueueSchema({ ownerUrl: ctx.db.url, appUrl: ctx.db.appUrl, prefix });
    // As the owner: obliterating a PostgreSQL queue drops its id sequence, which only the owner may.
    const kit = createQueueKit({ redisUrl, databaseUrl: ctx.db.url, prefix });
    const relay = startRelay({ db: ctx.db.pool, clock: ctx.clock, log: quiet }, kit, { intervalMs: 60_000, reconcileEveryMs: 3_600_000 });
    await relay.drain();
    await relay.stop();
    const { rows: published } = await ctx.db.pool.query(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NOT NULL AND done_at IS NULL',
    );
    t.ok(published[0].n >= 6, `${published[0].n} rows published, none done yet`);
    for (const name of QUEUE_NAMES) await kit.queue(name).obliterate({ force: true });
    await kit.close();

    // Before the grace period has passed, nothing is republished; after it, every undone row is.
    const workers = await setupWorkers(t, ctx, { backend, prefix, config: { QUEUE_RECONCILE_MS: 60_000 } });
    t.equal(await workers.relay.reconcile(), 0, 'nothing republished within the grace period');
    ctx.clock.advance(2 * 60_000);
    // The relay's own loop may reconcile first (it runs one at start, and its start may come after
    // the clock moved): whoever ran it, every undone row must now have been republished.
    // (A pass already under way holds its rows FOR UPDATE: this one skips them, so wait for its commit.)
    await workers.relay.reconcile();
    let republished = 0;
    await waitFor('the lost rows republished', async () => {
      const { rows } = await ctx.db.pool.query('SELECT count(*)::int AS n FROM outbox WHERE republished_at IS NOT NULL');
      republished = rows[0].n;
      return republished >= 6;
    }, 15_000).catch(() => undefined);
    t.ok(republished >= 6, `reconciler republished ${republished} rows`);

    await waitFor('every ticket assigned and notified', async () => {
      const { rows } = await ctx.db.pool.query(
        `SELECT count(*)::int AS n FROM tickets t
          WHERE t.ticket_no = ANY($1) AND t.status = 'assigned'
            AND EXISTS (SELECT 1 FROM notifications n WHERE n.ticket_id = t.id AND n.template = 'registered')`,
        [numbers],
      );
      return rows[0].n === numbers.length;
    }, 30_000);
    await waitFor('every outbox row done', async () => {
      const { rows } = await ctx.db.pool.query(
        "SELECT count(*)::int AS n FROM outbox WHERE done_at IS NULL AND available_at <= $1 AND topic <> 'deadlines'",
        [ctx.clock.now()],
      );
      return rows[0].n === 0;
    }, 30_000);

    const { rows: sms } = await ctx.db.pool.query(
      `SELECT t.ticket_no, count(*)::int AS n FROM notifications n JOIN tickets t ON t.id = n.ticket_id
        WHERE n.template = 'registered' GROUP BY t.ticket_no`,
    );
    t.same(sms.map((r) => r.n), numbers.map(() => 1), 'one registered SMS per ticket');
    const { rows: events } = await ctx.db.pool.query(
      `SELECT count(*)::int AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.type = 'assigned'`,
    );
    t.equal(events[0].n, numbers.length, 'each ticket assigned once');

    // Done rows are not republished again.
    ctx.clock.advance(2 * 60_000);
    const again = await workers.relay.reconcile();
    const { rows: undone } = await ctx.db.pool.query(
      "SELECT count(*)::int AS n FROM outbox WHERE done_at IS NULL AND topic <> 'deadlines'",
    );
    t.equal(undone[0].n, 0, 'every non-deadline row is done');
    t.ok(again <= published[0].n, `second pass republished only still-pending deadline rows (${again})`);
  });
}
