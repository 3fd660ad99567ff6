-- Up Migration
-- SPEC §15: ledger imports. The upload is validated without storing any ticket; its valid rows wait
-- here (personal data stays in Postgres, never in jobs or logs) until the uploader commits them or
-- they expire. The commit claims the row with a lease and records its progress and counts.
CREATE TABLE imports (
  id             uuid PRIMARY KEY,
  created_by     bigint NOT NULL REFERENCES users (id),
  created_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  file_name      text NOT NULL CHECK (char_length(file_name) <= 255),
  source         text NOT NULL CHECK (source IN ('import', 'hotline_12345')),
  status         text NOT NULL DEFAULT 'validated' CHECK (status IN ('validated', 'committing', 'committed')),
  report         jsonb NOT NULL,
  staged         jsonb NOT NULL,
  total          integer NOT NULL CHECK (total >= 0),
  done           integer NOT NULL DEFAULT 0 CHECK (done >= 0),
  result         jsonb,
  lease_until    timestamptz,
  committed_at   timestamptz
);
CREATE INDEX imports_created_by_idx ON imports (created_by, created_at DESC);
CREATE INDEX imports_expires_at_idx ON imports (expires_at);

-- Down Migration
DROP TABLE IF EXISTS imports;
