// The staff ticket list (SPEC §12): filters, the q search and keyset pagination on
// (received_at, id). SQL only; the service decides who sees what.
import { AWAITING_REPLY_STATUSES } from '../domain/ticket.js';
import { likePattern, parseSearch, searchBigrams } from '../domain/search-terms.js';
import type { Db } from './tx.js';
import { TICKET_COLUMNS, mapTicket, type TicketRow } from './tickets.repository.js';

/** The part of the tickets a scoped staff member sees: their department's (lead or co-handling), those they registered. */
export interface VisibleTo {
  departmentCode: string | null;
  registeredBy: string | null;
}

export interface TicketFilters {
  /** canSee as a filter (absent: every ticket). */
  visibleTo?: VisibleTo;
  status?: string[];
  departmentCode?: string;
  categoryCode?: string;
  villageCode?: string;
  kind?: string;
  channel?: string;
  source?: string;
  overdue?: boolean;
  escalation?: string;
  q?: string;
  from?: Date;
  to?: Date;
  cursor?: { receivedAt: Date; id: string };
  /** A search term matching more tickets than this in one way takes the newest-first walk (default RARE_MATCHES; tests lower it). */
  rareMatches?: number;
  limit: number;
  now: Date;
}


/**
 * Up to this many matches per indexed way of matching, the search reads them all through the
 * indexes and sorts them (a day's ticket numbers — ≤ ~3 300 in a city of 50 000 a month — stay
 * on this side); beyond it, the newest-first walk meets matches densely enough (≥ 1 in 600 rows)
 * to fill a page quickly.
 */
const RARE_MATCHES = 5000;

/** A condition on `tickets t` with `?` for its values. */
interface Cond {
  sql: string;
  values: unknown[];
}

/** An indexed way to match: a condition, or (words) the column whose bigram index answers it. */
type Arm = Cond | { bigramsOf: 'content' | 'complainant_name'; bigrams: string[]; phrase: Cond };

/**
 * SPEC §12: ticket number (whole, its beginning, or what follows the date), external number
 * (exact: the 12345 platform's, SPEC §15), phone (whole or last 4), complainant name, or words of
 * the content. `arms`: the ways a ticket can match, each on an index of its own (migrations 0015,
 * 0023); `filter`: the same as one condition — the authority, which re-checks what the arms found
 * (a bigram is not the phrase) or, for common terms, filters the newest-first walk.
 */
function searchConditions(q: string): { arms: Arm[] | null; filter: Cond } {
  const search = parseSearch(q);
  const ext: Cond = { sql: 't.external_no = ?', values: [search.raw] };
  const or = (conds: Cond[]): Cond => ({ sql: `(${conds.map((c) => c.sql).join(' OR ')})`, values: conds.flatMap((c) => c.values) });
  if (search.kind === 'last4') {
    // The partial index tickets_phone_last4_idx (migration 0015) wants its predicate spelled out.
    const arms = [{ sql: "t.complainant_phone IS NOT NULL AND right(replace(t.complainant_phone, '-', ''), 4) = ?", values: [search.digits] }, ext];
    return { arms, filter: or(arms) };
  }
  if (search.kind === 'number') {
    const prefix = likePattern(search.digits, 'prefix');
    const arms = [
      { sql: 't.ticket_no LIKE ?', values: [prefix] },
      { sql: 'substr(t.ticket_no, 9) LIKE ?', values: [prefix] },
      { sql: "t.complainant_phone IS NOT NULL AND replace(t.complainant_phone, '-', '') = ?", values: [search.digits] },
      ext,
    ];
    return { arms, filter: or(arms) };
  }
  const contains = likePattern(search.raw, 'contains');
  const filter = or([
    { sql: "t.content ILIKE ? ESCAPE '\\'", values: [contains] },
    { sql: "t.complainant_name ILIKE ? ESCAPE '\\'", values: [contains] },
    ext,
  ]);
  const bigrams = searchBigrams(search.raw);
  // One character: no bigram narrows it; the walk alone.
  if (bigrams.length === 0) return { arms: null, filter };
  const phrase = (column: string): Cond => ({ sql: `t.${column} ILIKE ? ESCAPE '\\'`, values: [contains] });
  return {
    arms: [
      { bigramsOf: 'content', bigrams, phrase: phrase('content') },
      { bigramsOf: 'complainant_name', bigrams, phrase: phrase('complainant_name') },
      ext,
    ],
    filter,
  };
}

/** `conds` as SELECTs over `tickets t`, their `?` numbered after what `values` holds. */
function armSelects(conds: Cond[], values: unknown[], tail = ''): string[] {
  return conds.map((arm) => {
    const given = [...arm.values];
    const sql = arm.sql.replace(/\?/g, () => {
      values.push(given.shift());
      return `$${values.length}`;
    });
    return `SELECT t.id FROM tickets t WHERE ${sql}${tail}`;
  });
}

const bigramCond = (column: 'content' | 'complainant_name', bigram: string): Cond => ({
  sql: `hy_search_terms(t.${column}) @@ ?::tsquery`,
  values: [`'${bigram}'`],
});

interface PlanNode {
  'Node Type': string;
  'Plan Rows': number;
  'Subplan Name'?: string;
  Plans?: PlanNode[];
}

/**
 * The planner's estimate of the rows of each condition (one EXPLAIN, no row read): each an
 * InitPlan of its own, which keep their order (branches of a UNION ALL do not: a parallel Append
 * sorts them by cost). A branch's estimate is its Bitmap Index Scan's (the whole index's answer;
 * a parallel heap scan above it shows a per-worker share); a branch the planner would read
 * sequentially is common by its own judgement.
 */
async function estimates(db: Db, conds: Cond[]): Promise<number[]> {
  const values: unknown[] = [];
  const { rows } = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
    `EXPLAIN (FORMAT JSON) SELECT ${armSelects(conds, values).map((sql, i) => `ARRAY(${sql}) AS e${i}`).join(', ')}`,
    values,
  );
  const indexRows = (node: PlanNode): number => {
    if (node['Node Type'] === 'Bitmap Index Scan') return node['Plan Rows'];
    const found = (node.Plans ?? []).map(indexRows).filter((n) => Number.isFinite(n));
    return found.length ? Math.max(...found) : Number.POSITIVE_INFINITY;
  };
  const initPlans = new Map<number, PlanNode>();
  const collect = (node: PlanNode): void => {
    const n = /^InitPlan (\d+)/.exec(node['Subplan Name'] ?? '')?.[1];
    if (n) initPlans.set(Number(n), node);
    else (node.Plans ?? []).forEach(collect);
  };
  collect(rows[0]['QUERY PLAN'][0].Plan);
  const ordered = [...initPlans.entries()].sort(([x], [y]) => x - y).map(([, node]) => node);
  if (ordered.length !== conds.length) throw new Error('the plan of the estimates has not one InitPlan per condition');
  return ordered.map(indexRows);
}

/** A bigram no text has: the planner's estimate for it is what it says of any bigram it has no statistics for. */
const UNSEEN_BIGRAM = '\u9fa5\u9fa4';

/** A bigram lookup the index answers from a small bitmap: at most this many rows (ten pages' worth of RARE_MATCHES). */
const SMALL_BITMAP = 20;
/** How many of a text's rarest bigrams are ANDed. */
const AND_BIGRAMS = 3;

/**
 * Words: each column is looked up by its rarest bigrams (by the planner's statistics of the bigram
 * index), at most AND_BIGRAMS of them and only those whose bitmap stays small, the filter
 * re-checking the phrase. ANDing every bigram made the index build bitmaps of the common ones
 * (240 000 rows for 路灯 at 3 000 000 tickets, lossy, then hy_search_terms recomputed row by
 * row: 0.5–3 s); one bigram alone let a name such as 欧阳华芳 match thousands. Null (the walk)
 * when even the rarest is common; a bigram the statistics do not know is rarer than all of those.
 * The lookup re-checks the phrase, so at most rare × SMALL_BITMAP rows are read to count matches.
 */
async function wordArms(db: Db, arms: Arm[], rare: number): Promise<Cond[] | null> {
  const out: Cond[] = [];
  for (const arm of arms) {
    if (!('bigramsOf' in arm)) {
      out.push(arm);
      continue;
    }
    const conds = arm.bigrams.map((g) => bigramCond(arm.bigramsOf, g));
    const [unseen, ...rows] = await estimates(db, [bigramCond(arm.bigramsOf, UNSEEN_BIGRAM), ...conds]);
    const small = rows
      .map((n, i) => ({ n: n === unseen ? 0 : n, i }))
      .filter(({ n }) => n <= rare * SMALL_BITMAP)
      .sort((x, y) => x.n - y.n)
      .slice(0, AND_BIGRAMS)
      .map(({ i }) => conds[i]);
    if (small.length === 0) return null;
    // The phrase itself is checked in the lookup, so the count against `rare` is of real matches
    // (村3 组1 17 are in thousands of addresses; 东山村3组17号 in none).
    const all = [...small, arm.phrase];
    out.push({ sql: all.map((c) => c.sql).join(' AND '), values: all.flatMap((c) => c.values) });
  }
  return out;
}

/**
 * The ids every arm finds, each arm read on its own index and stopped past `rare` — or null when
 * one arm matches more (a common word, a month's number prefix): then the walk is the faster way.
 * Handing the page query the ids themselves keeps the planner from walking the whole newest-first
 * index to probe a small set (1.3 s at 1 000 000 tickets for one phone number, before).
 */
async function rareMatchIds(db: Db, arms: Arm[], rare: number): Promise<string[] | null> {
  const conds = await wordArms(db, arms, rare);
  if (!conds) return null;
  const values: unknown[] = [rare + 1];
  const selects = armSelects(conds, values, ' LIMIT $1').map((sql, i) => `ARRAY(${sql})::text[] AS a${i}`);
  const { rows } = await db.query<Record<string, string[]>>(`SELECT ${selects.join(', ')}`, values);
  const found = Object.values(rows[0]);
  if (found.some((ids) => ids.length > rare)) return null;
  return [...new Set(found.flat())];
}
/** The jsonb containment that finds a co-handling department's tickets (GIN index, migration 0021). */
export const coHandlerMatch = (departmentCode: string): string => JSON.stringify([{ departmentCode }]);

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
  if (f.visibleTo) {
    const { departmentCode, registeredBy } = f.visibleTo;
    // A handler's department: its own tickets and those it co-handles (SPEC §18).
    const department = "(t.department_code = ? OR (t.co_handlers <> '[]' AND t.co_handlers @> ?::jsonb))";
    if (departmentCode && registeredBy) add(`(${department} OR t.registered_by = ?)`, departmentCode, coHandlerMatch(departmentCode), registeredBy);
    else if (departmentCode) add(department, departmentCode, coHandlerMatch(departmentCode));
    else if (registeredBy) add('t.registered_by = ?', registeredBy);
    else where.push('false');
  }
  // One status as an equality: the planner then reads tickets_status_idx (status, received_at) in
  // order (8.7 ms for letters still registered at 3 000 000 tickets, where = ANY walked 45 000 rows
  // of the newest-first index: 211 ms).
  if (f.status?.length === 1) add('t.status = ?', f.status[0]);
  else if (f.status?.length) add('t.status = ANY(?)', f.status);
  if (f.departmentCode) add('t.department_code = ?', f.departmentCode);
  if (f.categoryCode) add('t.category_code = ?', f.categoryCode);
  if (f.villageCode) add('t.village_code = ?', f.villageCode);
  if (f.kind) add('t.kind = ?', f.kind);
  if (f.channel) add('t.channel = ?', f.channel);
  if (f.source) add('t.source = ?', f.source);
  // A pause in force is never overdue (SPEC §18).
  if (f.overdue === true) add('t.status = ANY(?) AND NOT t.paused AND t.due_at < ?', AWAITING_REPLY_STATUSES, f.now);
  if (f.overdue === false) add('NOT (t.status = ANY(?) AND NOT t.paused AND t.due_at < ?)', AWAITING_REPLY_STATUSES, f.now);
  if (f.escalation) add('? IN (t.escalation_level, t.sign_off_escalation_level)', f.escalation);
  if (f.q) {
    const { arms, filter } = searchConditions(f.q);
    const ids = arms ? await rareMatchIds(db, arms, f.rareMatches ?? RARE_MATCHES) : null;
    // Rare: the indexes found every match, the page re-checks and sorts them. Common: the
    // newest-first walk meets matches densely and stops at the page's end.
    if (ids) add('t.id = ANY(?::bigint[])', ids);
    add(filter.sql, ...filter.values);
  }
  if (f.from) add('t.received_at >= ?', f.from);
  if (f.to) add('t.received_at < ?', f.to);
  if (f.cursor) {
    params.push(f.cursor.receivedAt, f.cursor.id);
    where.push(`(t.received_at, t.id) < ($${params.length - 1}, $${params.length}::bigint)`);
  }
  params.push(f.limit);
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY t.received_at DESC, t.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(mapTicket);
}
