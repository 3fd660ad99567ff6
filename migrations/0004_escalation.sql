-- Up Migration
-- The escalation ladders (SPEC §7): when each ticket's next step falls due, per deadline. The
-- sweeper and the delayed jobs both read these; Postgres stays the record of every deadline.
ALTER TABLE tickets
  ADD COLUMN resolve_started_at timestamptz,
  ADD COLUMN next_escalation_at timestamptz,
  ADD COLUMN sign_off_next_escalation_at timestamptz;

UPDATE tickets SET resolve_started_at = received_at;
ALTER TABLE tickets ALTER COLUMN resolve_started_at SET NOT NULL;

CREATE INDEX tickets_next_escalation_idx ON tickets (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
CREATE INDEX tickets_sign_off_next_escalation_idx ON tickets (sign_off_next_escalation_at)
  WHERE sign_off_next_escalation_at IS NOT NULL;

ALTER TABLE staff_notifications DROP CONSTRAINT staff_notifications_ticket_id_template_audience_round_key;
ALTER TABLE staff_notifications ADD COLUMN deadline text CHECK (deadline IN ('signOff', 'resolve'));
CREATE UNIQUE INDEX staff_notifications_once_idx
  ON staff_notifications (ticket_id, template, audience, round, COALESCE(deadline, ''));

-- Down Migration
DROP INDEX staff_notifications_once_idx;
ALTER TABLE staff_notifications DROP COLUMN deadline;
ALTER TABLE staff_notifications ADD CONSTRAINT staff_notifications_ticket_id_template_audience_round_key
  UNIQUE (ticket_id, template, audience, round);
DROP INDEX tickets_sign_off_next_escalation_idx, tickets_next_escalation_idx;
ALTER TABLE tickets DROP COLUMN sign_off_next_escalation_at, DROP COLUMN next_escalation_at, DROP COLUMN resolve_started_at;
