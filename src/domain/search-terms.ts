// The staff search `q` (SPEC §12) as pure rules: what a typed query is (the last 4 digits of a
// phone, a number, or words), and the character bigrams of words — split exactly as the database
// function hy_search_terms (migration 0023) splits the content it indexes: NFKC, lower case, runs
// of Han characters, Latin letters and digits, each run cut into overlapping pairs.

const RUN_SPLIT = /[^0-9a-z\u4e00-\u9fff]+/u;

/** The distinct bigrams of `text`, in order of first appearance (what hy_search_terms indexes). */
export function searchBigrams(text: string): string[] {
  const grams = new Set<string>();
  for (const run of text.normalize('NFKC').toLowerCase().split(RUN_SPLIT)) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i] + chars[i + 1]);
  }
  return [...grams];
}

/**
 * A tsquery matching every bigram (AND), or null when the words have none (a single character):
 * the index cannot narrow that search. Bigrams hold only [0-9a-z] and Han characters, so quoting
 * needs no escapes.
 */
export function bigramTsquery(text: string): string | null {
  const grams = searchBigrams(text);
  return grams.length ? grams.map((g) => `'${g}'`).join(' & ') : null;
}

export type SearchQuery =
  | { kind: 'last4'; digits: string; raw: string }
  | { kind: 'number'; digits: string; raw: string }
  | { kind: 'words'; raw: string; tsquery: string | null };

/** SPEC §12: 4 digits → a phone's last 4; 5–15 digits → a ticket's or phone's number; else words. */
export function parseSearch(q: string): SearchQuery {
  const raw = q.trim();
  const digits = raw.normalize('NFKC').replace(/[\s()（）-]/g, '');
  if (/^\d{4}$/.test(digits)) return { kind: 'last4', digits, raw };
  if (/^\d{5,15}$/.test(digits)) return { kind: 'number', digits, raw };
  return { kind: 'words', raw, tsquery: bigramTsquery(raw) };
}

/** A LIKE pattern matching `text` literally (\, % and _ escaped), with `%` around as asked. */
export function likePattern(text: string, where: 'contains' | 'prefix'): string {
  const literal = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return where === 'contains' ? `%${literal}%` : `${literal}%`;
}
