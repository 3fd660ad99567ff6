-- Up Migration
-- Each stored notice revision names the shape of its model (src/domain/notice.ts NOTICE_SCHEMA_VERSION),
-- so a later change of the model can read, or upgrade, what earlier versions stored.
ALTER TABLE notice_revisions ADD COLUMN schema_version integer NOT NULL DEFAULT 1 CHECK (schema_version >= 1);

-- Down Migration
ALTER TABLE notice_revisions DROP COLUMN schema_version;
