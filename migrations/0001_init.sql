-- Up Migration
-- The foundation schema: configuration (departments, categories, calendar, SLA policy), staff
-- accounts and sessions, tickets with their append-only timeline, idempotency keys, public lookup
-- failures, the outbox and the hash-chained audit log.

CREATE TABLE departments (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  kind        text NOT NULL CHECK (kind IN ('office', 'village')),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
  code             text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  department_code  text NOT NULL REFERENCES departments(code),
  keywords         text[] NOT NULL DEFAULT '{}',
  resolve_within   jsonb,
  sign_off_within  jsonb,
  active           boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX categories_department_idx ON categories (department_code);

-- One row per year: the State Council's arrangement (rest days and make-up working days).
CREATE TABLE calendar_years (
  year        integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
  holidays    date[] NOT NULL DEFAULT '{}',
  workdays    date[] NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The SLA policy (limits by kind, follow-up limit, ladders) as one versioned document.
CREATE TABLE sla_policy (
  id          integer PRIMARY KEY CHECK (id = 1),
  policy      jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username         text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{2,40}$'),
  password_hash    text NOT NULL,
  display_name     text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
  roles            text[] NOT NULL CHECK (cardinality(roles) >= 1
                     AND roles <@ ARRAY['clerk','handler','supervisor','leader','admin']::text[]),
  department_code  text REFERENCES departments(code),
  active           boolean NOT NULL DEFAULT true,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- A handler belongs to exactly one department.
  CHECK (NOT ('handler' = ANY(roles)) OR department_code IS NOT NULL)
);
CREATE INDEX users_department_idx ON users (department_code);

-- Server-side sessions: the cookie carries a random token, the table its hash. Revocation is a row
-- update, so logout, password change and disabling a user end sessions at once.
CREATE TABLE sessions (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash    bytea NOT NULL UNIQUE,
  user_id       bigint NOT NULL REFERENCES users(id),
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE login_failures (
  username  text NOT NULL,
  at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_idx ON login_failures (username, at);

CREATE TABLE api_keys (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  prefix      text NOT NULL UNIQUE,
  key_hash    bytea NOT NULL,
  scopes      text[] NOT NULL DEFAULT '{}',
  active      boolean NOT NULL DEFAULT true,
  created_by  bigint REFERENCES users(id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tickets (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_no           text NOT NULL UNIQUE CHECK (ticket_no ~ '^[0-9]{15}$'),
  status              text NOT NULL CHECK (status IN
                        ('registered','assigned','in_progress','returned','replied','closed','merged')),
  outcome             text CHECK (outcome IN ('resolved','explained','rejected','unresolvable','merged')),
  kind                text NOT NULL CHECK (kind IN ('consult','help','suggest','complaint','report','emergency')),
  channel             text NOT NULL CHECK (channel IN ('phone','wechat_group','walk_in','letter','web')),
  content             text NOT NULL,
  complainant_name    text,
  complainant_phone   text,
  anonymous           boolean NOT NULL DEFAULT false,
  confidential        boolean NOT NULL DEFAULT false,
  village_code        text REFERENCES departments(code),
  address             text,
  category_code       text REFERENCES categories(code),
  department_code     text REFERENCES departments(code),
  access_code         text CHECK (access_code ~ '^[0-9]{6}$'),
  wechat              jsonb,
  received_at         timestamptz NOT NULL,
  registered_at       timestamptz NOT NULL,
  registered_by       bigint REFERENCES users(id),
  registered_via_key  bigint REFERENCES api_keys(id),
  assigned_at         timestamptz,
  accepted_at         timestamptz,
  sign_off_due_at     timestamptz,
  due_at              timestamptz NOT NULL,
  replied_at          timestamptz,
  follow_up_due_at    timestamptz,
  closed_at           timestamptz,
  escalation_level    text CHECK (escalation_level IN ('warning','overdue','escalated','summons')),
  sign_off_escalation_level text CHECK (sign_off_escalation_level IN ('warning','overdue','escalated','summons')),
  calendar_warning    boolean NOT NULL DEFAULT false,
  reopen_count        integer NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
  leader_attention    boolean NOT NULL DEFAULT false,
  supervisor_flag     boolean NOT NULL DEFAULT false,
  merged_into         text,
  pending_extension   jsonb,
  reply               text,
  result              text CHECK (result IN ('resolved','explained','unresolvable')),
  public_summary      text,
  satisfaction        text,
  resolved            boolean,
  version             integer NOT NULL DEFAULT 0,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'closed') = (outcome IS NOT NULL) OR (status = 'merged' AND outcome = 'merged')),
  CHECK (status NOT IN ('assigned','in_progress','replied') OR department_code IS NOT NULL)
);
CREATE INDEX tickets_status_idx ON tickets (status, received_at DESC);
CREATE INDEX tickets_department_idx ON tickets (department_code, received_at DESC);
CREATE INDEX tickets_category_idx ON tickets (category_code);
CREATE INDEX tickets_village_idx ON tickets (village_code, received_at DESC);
CREATE INDEX tickets_received_idx ON tickets (received_at DESC, id DESC);
CREATE INDEX tickets_phone_idx ON tickets (complainant_phone, received_at DESC) WHERE complainant_phone IS NOT NULL;
CREATE INDEX tickets_due_idx ON tickets (due_at) WHERE status IN ('registered','assigned','in_progress','returned');
CREATE INDEX tickets_registered_by_idx ON tickets (registered_by);
CREATE INDEX tickets_registered_via_key_idx ON tickets (registered_via_key);

-- The timeline: append-only (a trigger refuses UPDATE and DELETE).
CREATE TABLE ticket_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id   bigint NOT NULL REFERENCES tickets(id),
  type        text NOT NULL,
  at          timestamptz NOT NULL,
  actor_id    bigint REFERENCES users(id),
  actor_label text NOT NULL,
  note        text,
  public      boolean NOT NULL DEFAULT false,
  data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_actor_idx ON ticket_events (actor_id);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Idempotency keys for registration: same key + same body replays the stored answer.
CREATE TABLE idempotency_keys (
  scope          text NOT NULL,
  key            text NOT NULL,
  request_hash   text NOT NULL,
  status_code    integer NOT NULL,
  response       jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE lookup_failures (
  ticket_no  text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lookup_failures_idx ON lookup_failures (ticket_no, at);

CREATE TABLE lookup_locks (
  ticket_no     text PRIMARY KEY,
  locked_until  timestamptz NOT NULL
);

-- Transactional outbox: written in the same transaction as the state change, relayed to the queues.
CREATE TABLE outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic         text NOT NULL,
  payload       jsonb NOT NULL,
  job_id        text NOT NULL,
  available_at  timestamptz NOT NULL DEFAULT now(),
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  attempts      integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE published_at IS NULL;

-- Audit log: append-only and hash-chained (hash = sha256(prev_hash || canonical row)).
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  action      text NOT NULL,
  target      text,
  data        jsonb NOT NULL DEFAULT '{}',
  prev_hash   text NOT NULL,
  hash        text NOT NULL UNIQUE
);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Down Migration
DROP TABLE audit_log, outbox, lookup_locks, lookup_failures, idempotency_keys, ticket_events,
  tickets, api_keys, login_failures, sessions, users, sla_policy, calendar_years, categories, departments;
DROP FUNCTION refuse_change();
