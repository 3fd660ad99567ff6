// The staff ticket list (SPEC §12): filters, the q search and keyset pagination on
// (received_at, id). SQL only; the service decides who sees what.
import { AWAITING_REPLY_STATUSES } from '../domain/ticket.js';
import { likePattern, parseSearch } from '../domain/search-terms.js';
import type { Db } from './tx.js';
import { TICKET_COLUMNS, mapTicket, type TicketRow } from './tickets.repository.js';

export interface TicketFilters {
  status?: string[];
  departmentCode?: string;
  categoryCode?: string;
  kind?: string;
  channel?: string;
  source?: string;
  overdue?: boolean;
  escalation?: string;
  q?: string;
  from?: Date;
  to?: Date;
  cursor?: { receivedAt: Date; id: string };
  /** Words matching more tickets than this take the newest-first walk (default RARE_MATCHES; tests lower it). */
  rareMatches?: number;
  limit: number;
  now: Date;
}


/**
 * Up to this many matches of the words (or of the name's beginning), the search reads them all
 * through the indexes and sorts them; beyond it, the newest-first walk meets matches densely
 * enough (≥ 1 in 3 000 rows at 3 000 000 tickets) to fill a page quickly.
 */
const RARE_MATCHES = 1000;

/**
 * The ids of every ticket whose content or name has all the bigrams, or whose name begins with the words,
 * or whose external number is them — or null when content or name match more than RARE_MATCHES.
 * Handing the outer query the ids themselves keeps the planner from walking the whole
 * newest-first index to probe a small set.
 */
async function rareMatchIds(db: Db, tsquery: string, namePrefix: string, raw: string, rare: number): Promise<string[] | null> {
  const { rows } = await db.query<{ content: string[] | null; name: string[] | null; ext: string[] | null }>({
    name: 'hy-search-rare',
    text: `SELECT (SELECT array_agg(id) FROM (SELECT id FROM tickets WHERE hy_search_terms(content) @@ $1::tsquery LIMIT $4) c)::text[] AS content,
                  (SELECT array_agg(id) FROM (SELECT id FROM tickets WHERE complainant_name IS NOT NULL
                     AND (complainant_name LIKE $2 OR hy_search_terms(complainant_name) @@ $1::tsquery) LIMIT $4) n)::text[] AS name,
                  (SELECT array_agg(id) FROM tickets WHERE external_no = $3)::text[] AS ext`,
    values: [tsquery, namePrefix, raw, rare + 1],
  });
  const { content, name, ext } = rows[0];
  if ((content?.length ?? 0) > rare || (name?.length ?? 0) > rare) return null;
  return [...new Set([...(content ?? []), ...(name ?? []), ...(ext ?? [])])];
}

/** Newest received first, keyset-paginated on (received_at, id). */
export async function listTickets(db: Db, f: TicketFilters): Promise<TicketRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]): void => {
    for (const value of values) {
      params.push(value);
      sql = sql.replace('?', `$${params.length}`);
    }
    where.push(sql);
  };
  if (f.status?.length) add('t.status = ANY(?)', f.status);
  if (f.departmentCode) add('t.department_code = ?', f.departmentCode);
  if (f.categoryCode) add('t.category_code = ?', f.categoryCode);
  if (f.kind) add('t.kind = ?', f.kind);
  if (f.channel) add('t.channel = ?', f.channel);
  if (f.source) add('t.source = ?', f.source);
  if (f.overdue === true) add('t.status = ANY(?) AND t.due_at < ?', AWAITING_REPLY_STATUSES, f.now);
  if (f.overdue === false) add('NOT (t.status = ANY(?) AND t.due_at < ?)', AWAITING_REPLY_STATUSES, f.now);
  if (f.escalation) add('? IN (t.escalation_level, t.sign_off_escalation_level)', f.escalation);
  let restrictTo: string | null = null;
  if (f.q) {
    // SPEC §12: ticket number (whole or its beginning), external number (exact: the 12345
    // platform's, SPEC §15), phone (whole or last 4), complainant name (whole or its beginning),
    // or words of the content — each on an index (migrations 0015, 0023; bench/README.md).
    const search = parseSearch(f.q);
    params.push(search.raw);
    const ext = `t.external_no = $${params.length}`;
    if (search.kind === 'last4') {
      // The partial index tickets_phone_last4_idx (migration 0015) wants its predicate spelled out.
      add(`((t.complainant_phone IS NOT NULL AND right(replace(t.complainant_phone, '-', ''), 4) = ?) OR ${ext})`, search.digits);
    } else if (search.kind === 'number') {
      params.push(likePattern(search.digits, 'prefix'), search.digits);
      const [like, digits] = [`$${params.length - 1}`, `$${params.length}`];
      where.push(
        `(t.ticket_no LIKE ${like} OR substr(t.ticket_no, 9) LIKE ${like}` +
          ` OR (t.complainant_phone IS NOT NULL AND replace(t.complainant_phone, '-', '') = ${digits}) OR ${ext})`,
      );
    } else {
      const contains = likePattern(search.raw, 'contains');
      const prefix = likePattern(search.raw, 'prefix');
      const ids = search.tsquery ? await rareMatchIds(db, search.tsquery, prefix, search.raw, f.rareMatches ?? RARE_MATCHES) : null;
      if (ids) {
        // Rare words: the indexes found every match; the outer query re-checks and sorts them.
        params.push(ids);
        restrictTo = `t.id = ANY($${params.length}::bigint[])`;
      }
      // Common words (or one character, which no bigram narrows): the newest-first walk meets
      // matches densely and stops at the page's end.
      params.push(contains);
      where.push(`(t.content ILIKE $${params.length} ESCAPE '\\' OR t.complainant_name ILIKE $${params.length} ESCAPE '\\' OR ${ext})`);
    }
  }
  if (f.from) add('t.received_at >= ?', f.from);
  if (f.to) add('t.received_at < ?', f.to);
  if (f.cursor) {
    params.push(f.cursor.receivedAt, f.cursor.id);
    where.push(`(t.received_at, t.id) < ($${params.length - 1}, $${params.length}::bigint)`);
  }
  params.push(f.limit);
  if (restrictTo) where.unshift(restrictTo);
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY t.received_at DESC, t.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(mapTicket);
}
