-- Up Migration
-- Merged tickets are looked up by the ticket they were merged into (issue 11: the survivor lists
-- them, its reply reaches their residents, their residents verify against it).
CREATE INDEX tickets_merged_into_idx ON tickets (merged_into) WHERE merged_into IS NOT NULL;
