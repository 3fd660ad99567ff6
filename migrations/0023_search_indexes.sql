-- Up Migration
-- SPEC §12, §14 (issue 17): the staff search `q` on indexes at the scale of a county-level city
-- (3 000 000 tickets), for Chinese text without spaces.
--
-- Words of the content: the character bigrams of the content (Han characters, Latin letters and
-- digits after NFKC and lower-casing; runs split at anything else) as a tsvector, in a GIN
-- expression index. A two-character word such as 大坑 is one bigram; a longer one is the AND of its
-- bigrams, re-checked with ILIKE. pg_trgm was measured and not kept: a two-character word has no
-- whole trigram, so it could not narrow the most common search (bench/README.md).
-- src/domain/search-terms.ts splits the query the same way.
CREATE FUNCTION hy_search_terms(t text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT substr(run, i, 2))), ''::tsvector)
      FROM regexp_split_to_table(lower(normalize(t, NFKC)), '[^0-9a-z\u4e00-\u9fff]+') AS run,
           generate_series(1, char_length(run) - 1) AS i
  $$;
CREATE INDEX tickets_content_terms_idx ON tickets USING gin (hy_search_terms(content));

-- Names: by their bigrams too (秀英 finds 李秀英), and by their beginning (a surname). Not a partial
-- index: ANALYZE keeps statistics of a non-partial expression index only, and the search reads
-- them to pick a name's rarest bigram (欧阳华芳 by 华芳, not by 欧阳).
CREATE INDEX tickets_name_terms_idx ON tickets USING gin (hy_search_terms(complainant_name));
CREATE INDEX tickets_name_idx ON tickets (complainant_name text_pattern_ops) WHERE complainant_name IS NOT NULL;
-- A whole phone number as the clerk types it (dashes dropped), newest first.
CREATE INDEX tickets_phone_digits_idx ON tickets (replace(complainant_phone, '-', ''), received_at DESC)
  WHERE complainant_phone IS NOT NULL;
-- Part of a ticket number: its beginning (the date), or what follows the date (the 6 random
-- digits and the check digit), whatever the database's collation.
CREATE INDEX tickets_no_prefix_idx ON tickets (ticket_no text_pattern_ops);
CREATE INDEX tickets_no_tail_idx ON tickets (substr(ticket_no, 9) text_pattern_ops);

-- Down Migration
DROP INDEX IF EXISTS tickets_no_tail_idx;
DROP INDEX IF EXISTS tickets_no_prefix_idx;
DROP INDEX IF EXISTS tickets_phone_digits_idx;
DROP INDEX IF EXISTS tickets_name_idx;
DROP INDEX IF EXISTS tickets_name_terms_idx;
DROP INDEX IF EXISTS tickets_content_terms_idx;
DROP FUNCTION IF EXISTS hy_search_terms(text);
