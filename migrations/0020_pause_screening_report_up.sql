-- Up Migration
-- Pauses (中止计时), screening (甄别) and reporting up (上报/吹哨), SPEC §18. The pause itself
-- lives on the resolve deadline's row (ticket_deadlines.paused_at, migration 0019); the ticket keeps
-- the pending requests and the flags the lifecycle and the statistics read.
ALTER TABLE tickets
  ADD COLUMN pending_pause jsonb,
  ADD COLUMN paused boolean NOT NULL DEFAULT false,
  ADD COLUMN pending_screening jsonb,
  ADD COLUMN screening_category text
    CHECK (screening_category IN ('unreasonable', 'repeated', 'outside_scope', 'legal_process', 'other')),
  ADD COLUMN screened_at timestamptz,
  ADD COLUMN reported_up_at timestamptz,
  ADD CONSTRAINT tickets_screened_check CHECK ((screening_category IS NULL) = (screened_at IS NULL));

-- The supervisor's monthly list of screenings.
CREATE INDEX tickets_screened_idx ON tickets (screened_at) WHERE screened_at IS NOT NULL;

-- Down Migration
DROP INDEX tickets_screened_idx;
ALTER TABLE tickets DROP CONSTRAINT tickets_screened_check, DROP COLUMN reported_up_at, DROP COLUMN screened_at,
  DROP COLUMN screening_category, DROP COLUMN pending_screening, DROP COLUMN paused, DROP COLUMN pending_pause;
