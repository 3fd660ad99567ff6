-- Up Migration
-- Nothing queued is lost for good (issue 10): an outbox row is done when its job's processor has
-- completed, not when the relay handed it to the queue. Rows published but not done after a grace
-- period are republished by the relay's reconciler (same job id: a no-op while the queue still
-- holds the job, a fresh job after a Redis flush). Rows published before this migration count as done.
ALTER TABLE outbox ADD COLUMN done_at timestamptz;
ALTER TABLE outbox ADD COLUMN republished_at timestamptz;
UPDATE outbox SET done_at = published_at WHERE published_at IS NOT NULL;
CREATE INDEX outbox_undone_idx ON outbox (available_at) WHERE published_at IS NOT NULL AND done_at IS NULL;
CREATE INDEX outbox_undone_job_idx ON outbox (job_id) WHERE done_at IS NULL;
