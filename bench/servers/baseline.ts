// The machine's yardstick: a bare Fastify + pg server, in the same process style as the API (its
// own Node process, a pool of the same size, JSON in and out), with two routes:
//   POST /insert      — one single-row INSERT into bench_baseline (the tickets' hot columns);
//   GET  /select/:no  — one SELECT by the unique text key tickets.ticket_no.
//   POST /register    — the same-work baseline of SPEC §14: what a registration writes (the
//                       idempotency record, the ticket, its resolve deadline row, its first timeline
//                       event, its outbox rows, the stored answer), by hand, in one transaction on
//                       the real tables.
// No validation, sessions, logging or rate limiting: what is left is the cost of HTTP, JSON and
// the Postgres work, which the real endpoints are compared to.
import Fastify from 'fastify';
import pg from 'pg';
import { onStop } from '../lib/proc.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const app = Fastify({ logger: false });

interface Body {
  channel: string;
  kind: string;
  content: string;
  villageCode?: string;
  categoryCode?: string;
  complainant?: { phone?: string };
}

let seq = 0;
app.post<{ Body: Body }>('/insert', async (request, reply) => {
  const b = request.body;
  const now = new Date();
  const no = `${process.pid % 100000}`.padStart(5, '0') + `${++seq}`.padStart(10, '0');
  const { rows } = await pool.query(
    `INSERT INTO bench_baseline (ticket_no, status, kind, channel, content, complainant_phone, village_code,
        category_code, received_at, due_at, next_escalation_at)
     VALUES ($1, 'registered', $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::text, ticket_no, status, received_at, due_at`,
    [no, b.kind, b.channel, b.content, b.complainant?.phone ?? null, b.villageCode ?? null, b.categoryCode ?? null,
      now, new Date(now.getTime() + 15 * 86_400_000), new Date(now.getTime() + 14 * 86_400_000)],
  );
  return reply.code(201).send(rows[0]);
});

let registered = 0;
app.post<{ Body: Body & { complainant?: { name?: string; phone?: string }; address?: string } }>('/register', async (request, reply) => {
  const b = request.body;
  const now = new Date();
  const due = new Date(now.getTime() + 15 * 86_400_000);
  const key = `same-work-${process.pid}-${++registered}`;
  // 9…: never a number the real registration draws (theirs start with the date).
  const no = `9${String(process.pid % 10000).padStart(4, '0')}${String(registered).padStart(10, '0')}`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at) VALUES ('bench', $1, $2, 0, 'null'::jsonb, $3)`,
      [key, key, now],
    );
    const { rows } = await client.query(
      `INSERT INTO tickets (ticket_no, status, kind, channel, content, complainant_name, complainant_phone, village_code,
          address, category_code, received_at, registered_at, due_at, updated_at)
       VALUES ($1, 'registered', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $10)
       RETURNING id::text, ticket_no, status, kind, channel, content, village_code, category_code, received_at, due_at`,
      [no, b.kind, b.channel, b.content, b.complainant?.name ?? null, b.complainant?.phone ?? null, b.villageCode ?? null,
        b.address ?? null, b.categoryCode ?? null, now, due],
    );
    const ticket = rows[0] as { id: string };
    // Its resolve deadline, a row of its own (SPEC §18), with the ladder's first step.
    await client.query(
      `INSERT INTO ticket_deadlines (ticket_id, kind, started_at, due_at, next_step_at) VALUES ($1, 'resolve', $2, $3, $4)`,
      [ticket.id, now, due, new Date(now.getTime() + 10 * 86_400_000)],
    );
    await client.query(
      `INSERT INTO ticket_events (ticket_id, type, at, actor_label, public, data) VALUES ($1, 'registered', $2, 'bench', true, $3)`,
      [ticket.id, now, JSON.stringify({ channel: b.channel, kind: b.kind, dueAt: due.toISOString() })],
    );
    // As many as a registration queues (the receipt SMS, the routing, the first step of each
    // ladder), under a topic no worker reads; the bench removes them after the measurement.
    await client.query(
      `INSERT INTO outbox (topic, payload, job_id, available_at, created_at)
       SELECT 'bench_same_work', jsonb_build_object('ticketId', $1::bigint, 'job', t.job), t.job || '-' || $1, t.at, $2
         FROM (VALUES ('sms', $2::timestamptz), ('routing', $2::timestamptz), ('sign_off', $3::timestamptz), ('resolve', $4::timestamptz)) AS t(job, at)`,
      [ticket.id, now, new Date(now.getTime() + 86_400_000), new Date(now.getTime() + 10 * 86_400_000)],
    );
    await client.query(`UPDATE idempotency_keys SET status_code = 201, response = $2 WHERE scope = 'bench' AND key = $1`, [key, JSON.stringify(ticket)]);
    await client.query('COMMIT');
    return reply.code(201).send(ticket);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
});

app.get<{ Params: { no: string } }>('/select/:no', async (request, reply) => {
  const { rows } = await pool.query(
    `SELECT ticket_no, status, kind, category_code, department_code, received_at, due_at, replied_at, reply
       FROM tickets WHERE ticket_no = $1`,
    [request.params.no],
  );
  if (!rows[0]) return reply.code(404).send({ code: 'NOT_FOUND' });
  return rows[0];
});

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
onStop(async () => {
  await app.close();
  await pool.end();
});
process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
