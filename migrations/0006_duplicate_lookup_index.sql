-- Up Migration
-- Duplicate candidates (SPEC §4) are looked up by village and category within 7 days: give that
-- filter its own index instead of scanning the village's tickets.
CREATE INDEX tickets_village_category_idx ON tickets (village_code, category_code, received_at DESC);

-- Down Migration
DROP INDEX tickets_village_category_idx;
