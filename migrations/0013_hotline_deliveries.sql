-- Up Migration
-- SPEC §15: reports back to the 12345 platform, one row per (ticket, event, round), written in the
-- action's transaction with the exact body to post; the webhook worker marks it delivered, so a
-- re-run after success (a Redis flush, the outbox reconciler) posts nothing again.
CREATE TABLE hotline_deliveries (
  id            bigserial PRIMARY KEY,
  ticket_id     bigint NOT NULL REFERENCES tickets (id),
  event         text NOT NULL CHECK (event IN ('returned', 'extension_approved', 'replied', 'closed', 'reported_up')),
  round         integer NOT NULL CHECK (round >= 0),
  body          text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'retrying', 'not_configured')),
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  lease_until   timestamptz,
  created_at    timestamptz NOT NULL,
  delivered_at  timestamptz,
  CONSTRAINT hotline_deliveries_once UNIQUE (ticket_id, event, round)
);
-- The public lookup and the staff search by the platform's number alone (SPEC §15).
CREATE INDEX tickets_external_no_idx ON tickets (external_no) WHERE external_no IS NOT NULL;

-- Down Migration
DROP INDEX IF EXISTS tickets_external_no_idx;
DROP TABLE IF EXISTS hotline_deliveries;
