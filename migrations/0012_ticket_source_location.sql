-- Up Migration
-- SPEC §15, §16: where a ticket came from, the outside system's number for it, and an optional
-- WGS-84 location (Open311 clients send one; the JSON registration may). Additive only.
ALTER TABLE tickets
  ADD COLUMN source text NOT NULL DEFAULT 'local'
    CONSTRAINT tickets_source_check CHECK (source IN ('local', 'hotline_12345', 'open311', 'wechat', 'import')),
  ADD COLUMN external_no text
    CONSTRAINT tickets_external_no_check CHECK (external_no IS NULL OR char_length(external_no) BETWEEN 1 AND 64),
  ADD COLUMN lat double precision CONSTRAINT tickets_lat_check CHECK (lat BETWEEN -90 AND 90),
  ADD COLUMN lng double precision CONSTRAINT tickets_lng_check CHECK (lng BETWEEN -180 AND 180),
  ADD CONSTRAINT tickets_location_pair_check CHECK ((lat IS NULL) = (lng IS NULL));

-- One outside number per source (the 12345 platform's numbers never collide with an importer's).
CREATE UNIQUE INDEX tickets_source_external_no_idx ON tickets (source, external_no) WHERE external_no IS NOT NULL;
-- servicerequestupdates polls public timeline events by time (SPEC §16).
CREATE INDEX ticket_events_public_at_idx ON ticket_events (at) WHERE public;

-- Down Migration
DROP INDEX IF EXISTS ticket_events_public_at_idx;
DROP INDEX IF EXISTS tickets_source_external_no_idx;
ALTER TABLE tickets DROP CONSTRAINT tickets_location_pair_check,
  DROP COLUMN lng, DROP COLUMN lat, DROP COLUMN external_no, DROP COLUMN source;
