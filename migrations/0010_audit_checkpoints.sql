-- Up Migration
-- Both hash chains (audit_log, and the timelines of 0007) prove that no kept row was altered, but
-- not that none was removed: after deleting the oldest rows, or all of them, what remains still
-- verifies. A checkpoint per chain and day anchors the chain outside its own rows: the last id, the
-- number of rows up to it, that row's hash and a digest over every hash up to it, HMAC-signed with
-- a key the database does not hold (src/db/audit-checkpoints.repository.ts). Written by the
-- workers' housekeeping; `npm run cli -- audit:verify` compares the rows with every checkpoint.
CREATE TABLE audit_checkpoints (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain       text NOT NULL CHECK (chain IN ('audit', 'timeline')),
  day         date NOT NULL,
  last_id     bigint NOT NULL CHECK (last_id >= 0),
  row_count   bigint NOT NULL CHECK (row_count >= 0),
  last_hash   text,
  digest      text NOT NULL,
  key_id      text,
  signature   text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (chain, day)
);

-- Append-only like the chains it anchors (the application role has only SELECT and INSERT).
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- TRUNCATE fires no row trigger: refuse it on all three by a statement trigger. This binds a
-- single-role deployment whose application owns the tables (until it disables the trigger); the
-- application role of src/db/roles.ts may neither TRUNCATE nor ALTER TABLE.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ticket_events_no_truncate BEFORE TRUNCATE ON ticket_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Down Migration
DROP TRIGGER audit_checkpoints_no_truncate ON audit_checkpoints;
DROP TRIGGER ticket_events_no_truncate ON ticket_events;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TABLE audit_checkpoints;
