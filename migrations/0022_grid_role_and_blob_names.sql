-- Up Migration
-- SPEC §1, §17: the grid worker (网格员) registers from a phone and sees only what they registered.
ALTER TABLE users DROP CONSTRAINT users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (cardinality(roles) >= 1
  AND roles <@ ARRAY['clerk','handler','supervisor','leader','admin','grid']::text[]);

-- The blob collector asks whether any row still names a hash, whichever column names it
-- (attachments_sha256_idx in 0017 covers the originals).
CREATE INDEX attachments_thumb_sha256_idx ON attachments (thumb_sha256) WHERE thumb_sha256 IS NOT NULL;
CREATE INDEX attachments_public_sha256_idx ON attachments (public_sha256) WHERE public_sha256 IS NOT NULL;
CREATE INDEX attachments_playable_sha256_idx ON attachments (playable_sha256) WHERE playable_sha256 IS NOT NULL;
CREATE INDEX attachments_uploaded_by_idx ON attachments (uploaded_by) WHERE uploaded_by IS NOT NULL;

-- Down Migration
DROP INDEX attachments_uploaded_by_idx;
DROP INDEX attachments_playable_sha256_idx;
DROP INDEX attachments_public_sha256_idx;
DROP INDEX attachments_thumb_sha256_idx;
ALTER TABLE users DROP CONSTRAINT users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (cardinality(roles) >= 1
  AND roles <@ ARRAY['clerk','handler','supervisor','leader','admin']::text[]);
