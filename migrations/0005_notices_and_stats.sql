-- Up Migration
-- The monthly public notice (SPEC §8): one row per month with its state, every generated revision
-- kept; WeCom deliveries recorded per part so publishing can retry until each part is delivered
-- exactly once. Frozen statistics snapshots for the cadre evaluation (SPEC §9).
CREATE TABLE notices (
  month             text PRIMARY KEY CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  status            text NOT NULL CHECK (status IN ('draft', 'published', 'held')),
  current_revision  integer NOT NULL CHECK (current_revision >= 1),
  -- What the public sees: the revision last published (a regenerated draft stays internal).
  published_revision integer,
  next_steps        text,
  published_at      timestamptz,
  published_by      text,
  updated_at        timestamptz NOT NULL
);

CREATE TABLE notice_revisions (
  month         text NOT NULL REFERENCES notices(month),
  revision      integer NOT NULL,
  model         jsonb NOT NULL,
  generated_at  timestamptz NOT NULL,
  generated_by  text NOT NULL,
  PRIMARY KEY (month, revision)
);

CREATE TABLE wecom_deliveries (
  month         text NOT NULL,
  revision      integer NOT NULL,
  url_hash      text NOT NULL,
  part          integer NOT NULL,
  parts         integer NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'delivered')),
  attempts      integer NOT NULL DEFAULT 0,
  delivered_at  timestamptz,
  PRIMARY KEY (month, revision, url_hash, part)
);

CREATE TABLE stats_snapshots (
  month       text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  scope       text NOT NULL CHECK (scope IN ('departments', 'handlers')),
  data        jsonb NOT NULL,
  frozen_at   timestamptz NOT NULL,
  frozen_by   text NOT NULL,
  PRIMARY KEY (month, scope)
);

CREATE INDEX ticket_events_type_idx ON ticket_events (type, ticket_id);

-- Down Migration
DROP INDEX ticket_events_type_idx;
DROP TABLE stats_snapshots, wecom_deliveries, notice_revisions, notices;
