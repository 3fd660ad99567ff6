-- Up Migration
-- Every action on a ticket is recorded in its timeline, which is append-only; here each event also
-- gets a hash over its content and the previous event's hash of the same ticket, so a verifier
-- names the first altered event (SPEC §10). Chained per ticket: writers already hold the ticket's
-- row lock, so no global lock serialises registrations and actions.
ALTER TABLE ticket_events ADD COLUMN prev_hash text, ADD COLUMN hash text;

CREATE FUNCTION ticket_event_hash(prev text, e ticket_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(
    prev || '|' || e.ticket_id || '|' || e.type || '|' ||
    to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|' ||
    COALESCE(e.actor_id::text, '') || '|' || e.actor_label || '|' || COALESCE(e.note, '') || '|' ||
    e.public::text || '|' || e.data::text, 'UTF8')), 'hex')
$$;

-- Earlier rows of the same statement are visible here (row-level BEFORE trigger semantics), so a
-- multi-row insert for one ticket chains in order.
CREATE FUNCTION ticket_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT e.hash INTO NEW.prev_hash FROM ticket_events e WHERE e.ticket_id = NEW.ticket_id ORDER BY e.id DESC LIMIT 1;
  NEW.prev_hash := COALESCE(NEW.prev_hash, repeat('0', 64));
  NEW.hash := ticket_event_hash(NEW.prev_hash, NEW);
  RETURN NEW;
END $$;

-- Chain what is already there, once, in order.
ALTER TABLE ticket_events DISABLE TRIGGER ticket_events_append_only;
DO $$
DECLARE r ticket_events; prev text; last_ticket bigint := NULL;
BEGIN
  FOR r IN SELECT * FROM ticket_events ORDER BY ticket_id, id LOOP
    IF last_ticket IS DISTINCT FROM r.ticket_id THEN prev := repeat('0', 64); last_ticket := r.ticket_id; END IF;
    UPDATE ticket_events SET prev_hash = prev, hash = ticket_event_hash(prev, r) WHERE id = r.id;
    prev := ticket_event_hash(prev, r);
  END LOOP;
END $$;
ALTER TABLE ticket_events ENABLE TRIGGER ticket_events_append_only;

CREATE TRIGGER ticket_events_chain BEFORE INSERT ON ticket_events FOR EACH ROW EXECUTE FUNCTION ticket_event_chain();

-- Down Migration
DROP TRIGGER ticket_events_chain ON ticket_events;
DROP FUNCTION ticket_event_chain();
DROP FUNCTION ticket_event_hash(text, ticket_events);
ALTER TABLE ticket_events DROP COLUMN hash, DROP COLUMN prev_hash;
