-- Up Migration
-- SPEC §17: WeChat / WeCom messages waiting for a clerk's triage. One row per platform message:
-- the platform retries a callback it got no answer to within 5 s, so (source, dedupe_key) — MsgId,
-- or sender + CreateTime for events — is unique and a retry stores nothing new. `sender` is the
-- OpenID / UserID (personal data: shown to staff masked, never public, never in jobs or logs).
CREATE TABLE intake_messages (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source          text NOT NULL CHECK (source IN ('wecom', 'wechat_mp')),
  dedupe_key      text NOT NULL CHECK (length(dedupe_key) <= 300),
  msg_type        text NOT NULL CHECK (length(msg_type) <= 32),
  sender          text CHECK (length(sender) <= 128),
  sender_name     text CHECK (length(sender_name) <= 60),
  group_id        text CHECK (length(group_id) <= 128),
  body            text,
  media_id        text CHECK (length(media_id) <= 256),
  media_format    text CHECK (length(media_format) <= 16),
  -- none: nothing to fetch; pending: the workers fetch it; stored / failed: done either way
  media_status    text NOT NULL DEFAULT 'none' CHECK (media_status IN ('none', 'pending', 'stored', 'failed')),
  media_error     text,
  lat             double precision CHECK (lat BETWEEN -90 AND 90),
  lng             double precision CHECK (lng BETWEEN -180 AND 180),
  event           text,
  sent_at         timestamptz,
  received_at     timestamptz NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'registered', 'dismissed')),
  ticket_id       bigint REFERENCES tickets (id) ON DELETE SET NULL,
  dismiss_reason  text CHECK (length(dismiss_reason) <= 200),
  decided_by      bigint REFERENCES users (id),
  decided_at      timestamptz,
  CONSTRAINT intake_messages_once UNIQUE (source, dedupe_key),
  CHECK (status <> 'dismissed' OR dismiss_reason IS NOT NULL)
);
-- The triage list: one status, newest first, keyset on (received_at, id).
CREATE INDEX intake_messages_status_idx ON intake_messages (status, received_at DESC, id DESC);
CREATE INDEX intake_messages_ticket_idx ON intake_messages (ticket_id) WHERE ticket_id IS NOT NULL;

-- Migration 0017 left this column without its foreign key, this table being to come.
ALTER TABLE attachments
  ADD CONSTRAINT attachments_intake_message_fk FOREIGN KEY (intake_message_id) REFERENCES intake_messages (id) ON DELETE CASCADE;

-- The group robot's answer (SPEC §17): one per ticket, the exact text frozen at registration, sent
-- once; `due_at` paces each robot at one message per 3 s (WeCom allows 20 a minute per robot).
CREATE TABLE intake_robot_deliveries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id     bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  robot         text NOT NULL CHECK (length(robot) <= 128),
  body          text NOT NULL,
  due_at        timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'retrying', 'not_configured')),
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  lease_until   timestamptz,
  created_at    timestamptz NOT NULL,
  delivered_at  timestamptz,
  CONSTRAINT intake_robot_deliveries_once UNIQUE (ticket_id)
);
CREATE INDEX intake_robot_deliveries_robot_idx ON intake_robot_deliveries (robot, due_at DESC);

-- Down Migration
DROP TABLE IF EXISTS intake_robot_deliveries;
ALTER TABLE attachments DROP CONSTRAINT IF EXISTS attachments_intake_message_fk;
DROP TABLE IF EXISTS intake_messages;
