// Killing the worker process in the middle of a job, then starting it again, loses no assignment
// and sends no notification twice (SPEC §14 reliability), on each queue backend.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { BACKENDS, waitFor } from '../helpers/workers.js';
import { startFakeSms } from '../helpers/fake-sms.js';

function startWorkerProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', 'worker'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

const TICKETS = 8;

for (const backend of BACKENDS) {
  t.test(`kill -9 mid-job and restart (${backend})`, async (t) => {
    const ctx = await setupApp(t);
    const clerk = await staffSession(ctx, ['clerk']);
    const sms = await startFakeSms();
    t.teardown(() => sms.close());
    sms.slowMs = 1500; // the first sends hang long enough to be killed in flight
    const env: Record<string, string> = {
      DATABASE_URL: ctx.db.appUrl,
      MIGRATION_DATABASE_URL: ctx.db.url,
      SMS_PROVIDER: 'http',
      SMS_HTTP_URL: sms.url,
      QUEUE_LOCK_MS: '2000',
      QUEUE_PREFIX: `c${randomBytes(4).toString('hex')}`,
      ...(backend === 'redis' ? { REDIS_URL: process.env.REDIS_URL as string } : {}),
    };
    let worker = startWorkerProcess(env);
    t.teardown(() => {
      worker.kill('SIGKILL');
    });

    const numbers: string[] = [];
    for (let i = 0; i < TICKETS; i++) {
      const res = await ctx.app.inject(
        registrationRequest(clerk, {
          channel: 'phone', kind: 'help', content: `第${i}号：自来水停水两天了`, categoryCode: 'drinking_water',
          complainant: { phone: `1390000${String(1000 + i)}` },
        }),
      );
      numbers.push(json(res).ticketNo);
    }

    await waitFor('a send in flight', async () => sms.requests.length > 0, 60_000);
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    const inFlight = sms.requests.length;
    t.ok(inFlight > 0 && sms.deliveries.filter((d) => d.acknowledged).length < TICKETS, `killed with ${inFlight} send(s) in flight`);

    sms.slowMs = 0;
    worker = startWorkerProcess(env);
    await waitFor(
      'every ticket assigned and notified',
      async () => {
        const { rows } = await ctx.db.pool.query(
          `SELECT count(*) FILTER (WHERE t.status = 'assigned')::int AS assigned,
                  (SELECT count(*)::int FROM notifications n WHERE n.status = 'sent' AND n.template = 'registered') AS sent
             FROM tickets t`,
        );
        return rows[0].assigned === TICKETS && rows[0].sent === TICKETS;
      },
      60_000,
    );

    const { rows: events } = await ctx.db.pool.query(
      `SELECT t.ticket_no, count(e.*) FILTER (WHERE e.type = 'assigned')::int AS assigned
         FROM tickets t LEFT JOIN ticket_events e ON e.ticket_id = t.id GROUP BY t.ticket_no`,
    );
    t.same(events.map((r) => r.assigned), Array(TICKETS).fill(1), 'each ticket assigned exactly once');
    const { rows: notes } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE template = 'registered'`);
    t.equal(notes[0].n, TICKETS, 'one notification row per ticket');
    // Every delivery counts. The kill may cut a send off before the gateway's answer arrives: that
    // message is sent again under the same id (the real gateway de-duplicates it). Anything else
    // sent twice — after the gateway acknowledged it, or under another id — is a second SMS.
    const acknowledged = sms.deliveries.filter((d) => d.acknowledged);
    t.equal(acknowledged.length, TICKETS, 'each message acknowledged exactly once: nothing re-sent after an acknowledgement');
    t.equal(new Set(acknowledged.map((d) => d.id)).size, TICKETS, 'one acknowledged delivery per message id');
    const cutOff = sms.deliveries.filter((d) => !d.acknowledged);
    t.ok(cutOff.every((d) => acknowledged.some((a) => a.id === d.id)), `only the ${cutOff.length} send(s) cut off by the kill were sent again, under the same id`);
    const idsPerPhone = new Map<string, Set<string>>();
    for (const d of sms.deliveries) idsPerPhone.set(d.to, (idsPerPhone.get(d.to) ?? new Set()).add(d.id));
    t.same([...idsPerPhone.values()].map((ids) => ids.size), Array(TICKETS).fill(1), 'no resident got two messages');
    t.ok(sms.requests.length >= TICKETS, `${sms.requests.length} requests for ${TICKETS} messages (retries carry the same id)`);
  });
}
