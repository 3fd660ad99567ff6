-- Up Migration
-- SPEC §4, §12, §14 (issue 17): duplicate candidates and the phone forms of the staff search `q` on
-- indexes, so neither reads more of the table as it grows.
--
-- Duplicate candidates read the newest non-merged tickets of the same phone and of the same village
-- and category, each branch stopping at its LIMIT: partial indexes that leave merged tickets out, so
-- no branch reads a row it then throws away (at most 100 rows however full the week is).
CREATE INDEX tickets_dup_phone_idx ON tickets (complainant_phone, received_at DESC)
  WHERE complainant_phone IS NOT NULL AND status <> 'merged';
CREATE INDEX tickets_dup_village_category_idx ON tickets (village_code, category_code, received_at DESC)
  WHERE status <> 'merged';
DROP INDEX tickets_village_category_idx;

-- "我上次反映的事": a caller's tickets by the last 4 digits of the phone, newest first.
CREATE INDEX tickets_phone_last4_idx ON tickets (right(replace(complainant_phone, '-', ''), 4), received_at DESC)
  WHERE complainant_phone IS NOT NULL;

-- Down Migration
DROP INDEX IF EXISTS tickets_phone_last4_idx;
CREATE INDEX tickets_village_category_idx ON tickets (village_code, category_code, received_at DESC);
DROP INDEX IF EXISTS tickets_dup_village_category_idx;
DROP INDEX IF EXISTS tickets_dup_phone_idx;
