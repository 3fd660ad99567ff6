-- Up Migration
-- Messages to residents (SMS) — one row per (ticket, template, round): the row is both the
-- idempotency guard of the notification processor and the record of what was (or would be) sent.
CREATE TABLE notifications (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id     bigint NOT NULL REFERENCES tickets(id),
  template      text NOT NULL,
  round         integer NOT NULL DEFAULT 0,
  recipient     text,
  body          text NOT NULL,
  provider      text NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'sent', 'capped', 'no_recipient', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  error         text,
  created_at    timestamptz NOT NULL,
  sent_at       timestamptz,
  UNIQUE (ticket_id, template, round)
);
CREATE INDEX notifications_recipient_idx ON notifications (recipient, sent_at) WHERE status = 'sent';

-- Reminders and escalations addressed to staff (their inbox), and work for a department.
CREATE TABLE staff_notifications (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id        bigint NOT NULL REFERENCES tickets(id),
  template         text NOT NULL,
  audience         text NOT NULL CHECK (audience IN ('department', 'supervisors', 'department_head', 'leaders')),
  department_code  text REFERENCES departments(code),
  round            integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL,
  read_at          timestamptz,
  UNIQUE (ticket_id, template, audience, round)
);
CREATE INDEX staff_notifications_department_idx ON staff_notifications (department_code, created_at DESC);
CREATE INDEX staff_notifications_audience_idx ON staff_notifications (audience, created_at DESC);

-- Down Migration
DROP TABLE staff_notifications, notifications;
