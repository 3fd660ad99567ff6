-- Up Migration
-- Deadlines as rows (SPEC §18): each ticket's sign-off, resolve, co-handling and follow-up
-- deadlines, one row each, with the ladder's state (level, next step) and pauses. Open rows are
-- the ladders that run; a row is closed (state 'done') when its deadline stops mattering (signed
-- off, replied, closed). The sweeper walks the partial index on next_step_at.
CREATE TABLE ticket_deadlines (
  id              bigserial PRIMARY KEY,
  ticket_id       bigint NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('sign_off', 'resolve', 'co_handle', 'follow_up')),
  department_code text REFERENCES departments(code),
  started_at      timestamptz NOT NULL,
  due_at          timestamptz NOT NULL,
  level           text CHECK (level IN ('warning', 'overdue', 'escalated', 'summons')),
  -- A pause (中止计时) in force since this instant; paused_ms: working time paused so far.
  paused_at       timestamptz,
  paused_ms       bigint NOT NULL DEFAULT 0 CHECK (paused_ms >= 0),
  next_step_at    timestamptz,
  state           text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
  closed_at       timestamptz,
  CHECK ((state = 'open') = (closed_at IS NULL)),
  CHECK (state = 'open' OR (next_step_at IS NULL AND paused_at IS NULL)),
  CHECK (paused_at IS NULL OR next_step_at IS NULL)
);
CREATE UNIQUE INDEX ticket_deadlines_open_idx ON ticket_deadlines (ticket_id, kind, COALESCE(department_code, ''))
  WHERE state = 'open';
CREATE INDEX ticket_deadlines_ticket_idx ON ticket_deadlines (ticket_id);
CREATE INDEX ticket_deadlines_next_step_idx ON ticket_deadlines (next_step_at) WHERE next_step_at IS NOT NULL;
CREATE INDEX ticket_deadlines_level_idx ON ticket_deadlines (level) WHERE state = 'open' AND level IS NOT NULL;

-- The column ladders move to rows, each pending step with them (next_escalation_at and
-- sign_off_next_escalation_at become the rows' next_step_at). The ladders ran by state: the
-- resolve ladder while the reply is awaited, the sign-off ladder while assigned.
INSERT INTO ticket_deadlines (ticket_id, kind, department_code, started_at, due_at, level, next_step_at, state, closed_at)
SELECT t.id, 'resolve', t.department_code, t.resolve_started_at, t.due_at, t.escalation_level,
       CASE WHEN t.status IN ('registered', 'assigned', 'in_progress', 'returned') THEN t.next_escalation_at END,
       CASE WHEN t.status IN ('registered', 'assigned', 'in_progress', 'returned') THEN 'open' ELSE 'done' END,
       CASE WHEN t.status IN ('registered', 'assigned', 'in_progress', 'returned') THEN NULL
            ELSE COALESCE(t.replied_at, t.closed_at, t.updated_at) END
  FROM tickets t;

INSERT INTO ticket_deadlines (ticket_id, kind, department_code, started_at, due_at, level, next_step_at, state, closed_at)
SELECT t.id, 'sign_off', t.department_code, t.assigned_at, t.sign_off_due_at, t.sign_off_escalation_level,
       CASE WHEN t.status = 'assigned' THEN t.sign_off_next_escalation_at END,
       CASE WHEN t.status = 'assigned' THEN 'open' ELSE 'done' END,
       CASE WHEN t.status = 'assigned' THEN NULL ELSE COALESCE(t.accepted_at, t.closed_at, t.updated_at) END
  FROM tickets t
 WHERE t.sign_off_due_at IS NOT NULL AND t.assigned_at IS NOT NULL;

INSERT INTO ticket_deadlines (ticket_id, kind, department_code, started_at, due_at, state, closed_at)
SELECT t.id, 'follow_up', t.department_code, t.replied_at, t.follow_up_due_at,
       CASE WHEN t.status = 'replied' THEN 'open' ELSE 'done' END,
       CASE WHEN t.status = 'replied' THEN NULL ELSE COALESCE(t.closed_at, t.updated_at) END
  FROM tickets t
 WHERE t.follow_up_due_at IS NOT NULL AND t.replied_at IS NOT NULL;

-- No longer read or written: the rows hold the ladders' state. (tickets keeps due_at,
-- sign_off_due_at, follow_up_due_at and the two levels as the lead department's current figures,
-- written from the rows in the same transaction, for lists, exports and views.)
ALTER TABLE tickets DROP COLUMN next_escalation_at, DROP COLUMN sign_off_next_escalation_at,
  DROP COLUMN resolve_started_at;

-- Escalation notices of co-handling deadlines, one per department.
ALTER TABLE staff_notifications DROP CONSTRAINT staff_notifications_deadline_check;
ALTER TABLE staff_notifications ADD CONSTRAINT staff_notifications_deadline_check
  CHECK (deadline IN ('signOff', 'resolve', 'coHandle'));
DROP INDEX staff_notifications_once_idx;
CREATE UNIQUE INDEX staff_notifications_once_idx
  ON staff_notifications (ticket_id, template, audience, round, COALESCE(deadline, ''), COALESCE(department_code, ''));

-- Down Migration
DROP INDEX staff_notifications_once_idx;
CREATE UNIQUE INDEX staff_notifications_once_idx
  ON staff_notifications (ticket_id, template, audience, round, COALESCE(deadline, ''));
ALTER TABLE staff_notifications DROP CONSTRAINT staff_notifications_deadline_check;
ALTER TABLE staff_notifications ADD CONSTRAINT staff_notifications_deadline_check CHECK (deadline IN ('signOff', 'resolve'));
ALTER TABLE tickets ADD COLUMN resolve_started_at timestamptz, ADD COLUMN next_escalation_at timestamptz,
  ADD COLUMN sign_off_next_escalation_at timestamptz;
UPDATE tickets t SET resolve_started_at = COALESCE(
  (SELECT d.started_at FROM ticket_deadlines d WHERE d.ticket_id = t.id AND d.kind = 'resolve' ORDER BY d.id DESC LIMIT 1), t.received_at),
  next_escalation_at = (SELECT d.next_step_at FROM ticket_deadlines d WHERE d.ticket_id = t.id AND d.kind = 'resolve' AND d.state = 'open'),
  sign_off_next_escalation_at = (SELECT d.next_step_at FROM ticket_deadlines d WHERE d.ticket_id = t.id AND d.kind = 'sign_off' AND d.state = 'open');
ALTER TABLE tickets ALTER COLUMN resolve_started_at SET NOT NULL;
CREATE INDEX tickets_next_escalation_idx ON tickets (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
CREATE INDEX tickets_sign_off_next_escalation_idx ON tickets (sign_off_next_escalation_at)
  WHERE sign_off_next_escalation_at IS NOT NULL;
DROP TABLE ticket_deadlines;
