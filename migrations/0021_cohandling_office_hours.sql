-- Up Migration
-- 主办 / 协办 (SPEC §18): the departments that co-handle a ticket with the lead department, each
-- with its own sign-off and answer ([{ departmentCode, state, assignedAt, acceptedAt, answeredAt,
-- answer, onTime, waivedAt, waiveReason }]); each one's co_handle deadline is a ticket_deadlines row.
ALTER TABLE tickets ADD COLUMN co_handlers jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(co_handlers) = 'array');
-- A co-handling department's handlers see the tickets it co-handles (jsonb containment).
CREATE INDEX tickets_co_handlers_idx ON tickets USING gin (co_handlers jsonb_path_ops) WHERE co_handlers <> '[]';

-- Office hours (SPEC §18): staff reminders outside them wait for the next start (one row).
CREATE TABLE office_hours (
  id          integer PRIMARY KEY CHECK (id = 1),
  start_time  text NOT NULL CHECK (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  end_time    text NOT NULL CHECK (end_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (start_time < end_time)
);
INSERT INTO office_hours (id, start_time, end_time) VALUES (1, '08:30', '17:30');
-- A staff reminder raised outside office hours shows from the next start (null: at once).
ALTER TABLE staff_notifications ADD COLUMN visible_at timestamptz;

-- Down Migration
ALTER TABLE staff_notifications DROP COLUMN visible_at;
DROP TABLE office_hours;
DROP INDEX tickets_co_handlers_idx;
ALTER TABLE tickets DROP COLUMN co_handlers;
