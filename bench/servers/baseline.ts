// The machine's yardstick: a bare Fastify + pg server, in the same process style as the API (its
// own Node process, a pool of the same size, JSON in and out), with two routes:
//   POST /insert      — one single-row INSERT into bench_baseline (the tickets' hot columns);
//   GET  /select/:no  — one SELECT by the unique text key tickets.ticket_no.
// No validation, sessions, logging, transactions or rate limiting: what is left is the cost of
// HTTP, JSON and one Postgres round trip, which the real endpoints are compared to.
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
