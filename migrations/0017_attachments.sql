-- Up Migration
-- SPEC §17: files attached to a ticket (photos, recordings, PDFs), or still to a WeChat message
-- waiting for triage (intake_message_id; migration 0018 adds that table and its foreign key). The
-- bytes live in the blob store (ATTACHMENT_DIR), named by content hash; a row names the original,
-- its thumbnail and its public copy (metadata stripped) by their hashes.
CREATE TABLE attachments (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id          bigint REFERENCES tickets (id) ON DELETE CASCADE,
  intake_message_id  bigint,
  -- evidence: what the resident or the registrar brought; reply: the handler's 办结照片
  purpose            text NOT NULL DEFAULT 'evidence' CHECK (purpose IN ('evidence', 'reply')),
  kind               text NOT NULL CHECK (kind IN ('image', 'audio', 'pdf')),
  mime               text NOT NULL CHECK (length(mime) <= 100),
  sha256             text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size               bigint NOT NULL CHECK (size > 0),
  original_name      text CHECK (length(original_name) <= 255),
  thumb_sha256       text CHECK (thumb_sha256 ~ '^[0-9a-f]{64}$'),
  public_sha256      text CHECK (public_sha256 ~ '^[0-9a-f]{64}$'),
  -- browser-playable copy of a recording (AMR → something a browser plays), when one could be made
  playable_sha256    text CHECK (playable_sha256 ~ '^[0-9a-f]{64}$'),
  playable_mime      text,
  public             boolean NOT NULL DEFAULT false,
  uploaded_by        bigint REFERENCES users (id),
  created_at         timestamptz NOT NULL,
  CHECK (ticket_id IS NOT NULL OR intake_message_id IS NOT NULL),
  CHECK (NOT public OR (kind = 'image' AND public_sha256 IS NOT NULL))
);
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, id) WHERE ticket_id IS NOT NULL;
CREATE INDEX attachments_intake_idx ON attachments (intake_message_id) WHERE intake_message_id IS NOT NULL;
-- Blob garbage collection asks whether any row still names a hash.
CREATE INDEX attachments_sha256_idx ON attachments (sha256);

-- Down Migration
DROP TABLE attachments;
