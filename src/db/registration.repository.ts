// The rest of a registration's writes in one round trip: the ticket's first timeline events, its
// outbox messages, and the answer stored under the Idempotency-Key (replacing the placeholder that
// idempotency.repository's claimIdempotencyKey wrote). Each statement of the registration
// transaction costs a loopback round trip — about 50 µs of kernel time in the API process alone on
// the bench machine, plus parsing and planning in Postgres — so registration sends as few as it
// can (bench/README.md).
import type { Db } from './tx.js';
import { storableJson } from './storable.js';
import type { NewEvent } from './ticket-events.repository.js';
import type { OutboxMessage } from './outbox.repository.js';

export interface RegistrationTrail {
  ticketId: string;
  events: NewEvent[];
  outbox: OutboxMessage[];
  now: Date;
  answer: { scope: string; key: string; statusCode: number; response: unknown };
}

export async function writeRegistrationTrail(tx: Db, w: RegistrationTrail): Promise<void> {
  const { rowCount } = await tx.query({
    name: 'hy-registration-trail',
    text: `WITH ev AS (
       INSERT INTO ticket_events (ticket_id, type, at, actor_id, actor_label, note, public, data)
       SELECT $1, e.type, e.at, e.actor_id, e.actor_label, e.note, e.public, e.data
         FROM ROWS FROM (jsonb_to_recordset($2::jsonb)
                AS (type text, at timestamptz, actor_id bigint, actor_label text, note text, public boolean, data jsonb))
              WITH ORDINALITY AS e(type, at, actor_id, actor_label, note, public, data, n)
        ORDER BY e.n
     ), ob AS (
       INSERT INTO outbox (topic, payload, job_id, available_at, created_at)
       SELECT m.topic, m.payload::jsonb, m.job_id, m.available_at, $7
         FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[]) WITH ORDINALITY AS m(topic, payload, job_id, available_at, n)
        ORDER BY m.n
     )
     UPDATE idempotency_keys SET status_code = $10, response = $11 WHERE scope = $8 AND key = $9`,
    values: [
      w.ticketId,
      JSON.stringify(storableJson(w.events.map((e) => ({ ...e, actor_id: e.actorId, actor_label: e.actorLabel })))),
      w.outbox.map((m) => m.topic),
      w.outbox.map((m) => JSON.stringify(m.payload)),
      w.outbox.map((m) => m.jobId),
      w.outbox.map((m) => m.availableAt ?? w.now),
      w.now,
      w.answer.scope,
      w.answer.key,
      w.answer.statusCode,
      JSON.stringify(w.answer.response),
    ],
  });
  if (rowCount !== 1) throw new Error('the idempotency key was not claimed by this transaction');
}
