// Monthly notices, their revisions, WeCom deliveries, and the month's tickets as the notice reads them.
import type { Db } from './tx.js';
import { camelRow, columnOf } from './rows.js';
import { SCREENED_FIELDS } from '../domain/notice-figures.js';
import { NOTICE_SCHEMA_VERSION, type CoHandlingRow, type NoticeCaseTicket, type NoticeFigureRow, type NoticeTicket } from '../domain/notice.js';
import { AWAITING_REPLY_STATUSES, FINISHED_STATUSES, NOT_SIGNED_OFF_STATUSES, REACHED_SATISFACTIONS } from '../domain/ticket-rules.js';

export interface NoticeRow {
  month: string;
  status: 'draft' | 'published' | 'held';
  currentRevision: number;
  publishedRevision: number | null;
  nextSteps: string | null;
  publishedAt: Date | null;
  updatedAt: Date;
}

const COLS = 'month, status, current_revision, published_revision, next_steps, published_at, updated_at';
const map = (r: Record<string, unknown>): NoticeRow => ({
  month: r.month as string,
  status: r.status as NoticeRow['status'],
  currentRevision: r.current_revision as number,
  publishedRevision: r.published_revision as number | null,
  nextSteps: r.next_steps as string | null,
  publishedAt: r.published_at as Date | null,
  updatedAt: r.updated_at as Date,
});

export async function findNotice(db: Db, month: string, forUpdate = false): Promise<NoticeRow | null> {
  const { rows } = await db.query(`SELECT ${COLS} FROM notices WHERE month = $1${forUpdate ? ' FOR UPDATE' : ''}`, [month]);
  return rows[0] ? map(rows[0]) : null;
}

export async function lockNoticeMonth(tx: Db, month: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('notice:' || $1, 0))`, [month]);
}

/** Adds a revision and makes it current; creates the notice as a draft the first time. */
export async function addRevision(tx: Db, month: string, model: unknown, by: string, nextSteps: string | null, now: Date): Promise<number> {
  const { rows } = await tx.query<{ current_revision: number }>(
    `INSERT INTO notices (month, status, current_revision, next_steps, updated_at) VALUES ($1, 'draft', 1, $2, $3)
     ON CONFLICT (month) DO UPDATE SET current_revision = notices.current_revision + 1,
       next_steps = COALESCE($2, notices.next_steps), updated_at = $3
     RETURNING current_revision`,
    [month, nextSteps, now],
  );
  const revision = rows[0].current_revision;
  await tx.query(
    'INSERT INTO notice_revisions (month, revision, model, schema_version, generated_at, generated_by) VALUES ($1, $2, $3, $4, $5, $6)',
    [month, revision, JSON.stringify(model), NOTICE_SCHEMA_VERSION, now, by],
  );
  return revision;
}

export async function setNoticeState(
  tx: Db,
  month: string,
  s: { status: NoticeRow['status']; publishedRevision?: number | null; publishedAt?: Date | null; publishedBy?: string | null },
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE notices SET status = $2,
       published_revision = CASE WHEN $3::boolean THEN $4 ELSE published_revision END,
       published_at = CASE WHEN $3::boolean THEN COALESCE(published_at, $5) ELSE published_at END,
       published_by = CASE WHEN $3::boolean THEN $6 ELSE published_by END,
       updated_at = $7
     WHERE month = $1`,
    [month, s.status, s.publishedRevision !== undefined, s.publishedRevision ?? null, s.publishedAt ?? null, s.publishedBy ?? null, now],
  );
}

export async function findRevision(db: Db, month: string, revision: number): Promise<{ model: unknown; schemaVersion: number; generatedAt: Date } | null> {
  const { rows } = await db.query(
    'SELECT model, schema_version, generated_at FROM notice_revisions WHERE month = $1 AND revision = $2',
    [month, revision],
  );
  return rows[0] ? { model: rows[0].model, schemaVersion: rows[0].schema_version, generatedAt: rows[0].generated_at } : null;
}

export async function countRevisions(db: Db, month: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notice_revisions WHERE month = $1', [month]);
  return rows[0].n;
}

export async function listPublished(db: Db): Promise<NoticeRow[]> {
  const { rows } = await db.query(`SELECT ${COLS} FROM notices WHERE published_revision IS NOT NULL ORDER BY month DESC`);
  return rows.map(map);
}

/** Every notice, drafts and held ones included, newest month first (the staff list). */
export async function listNotices(db: Db): Promise<NoticeRow[]> {
  const { rows } = await db.query(`SELECT ${COLS} FROM notices ORDER BY month DESC`);
  return rows.map(map);
}

/** The newest published notice's headline: its totals only, read out of the stored model. */
export async function latestPublishedTotals(db: Db): Promise<{ month: string; revision: number; publishedAt: Date | null; totals: unknown } | null> {
  const { rows } = await db.query(
    `SELECT n.month, n.published_revision, n.published_at, r.model->'totals' AS totals
       FROM notices n JOIN notice_revisions r ON r.month = n.month AND r.revision = n.published_revision
      WHERE n.published_revision IS NOT NULL
      ORDER BY n.month DESC LIMIT 1`,
  );
  const r = rows[0];
  return r ? { month: r.month, revision: r.published_revision, publishedAt: r.published_at, totals: r.totals } : null;
}

/** What the notice reads from a ticket's timeline: its first acceptance and its improper returns. */
const TIMELINE_FACTS = `(
  SELECT min(e.at) FILTER (WHERE e.type = 'accepted') AS first_accepted_at,
         count(*) FILTER (WHERE e.type = 'return_decided' AND (e.data->>'improper')::boolean) AS improper
    FROM ticket_events e WHERE e.ticket_id = t.id AND e.type IN ('accepted', 'return_decided'))`;

/**
 * The month's tickets with what the notice needs from their timelines, in one pass: the input of
 * the pure buildNoticeModel — the reference the SQL figures are tested and benchmarked against.
 */
export async function loadNoticeTickets(db: Db, from: Date, to: Date) {
  const { rows } = await db.query(
    `SELECT t.ticket_no, t.received_at, t.channel, t.kind, t.category_code, t.village_code, t.department_code,
            t.status, t.outcome, t.confidential, t.content, t.public_summary, t.complainant_name, t.address,
            t.replied_at, t.due_at, t.closed_at, t.satisfaction, t.resolved, t.assigned_at, t.sign_off_due_at,
            t.screening_category, t.paused, ev.first_accepted_at, ev.improper::int AS improper_returns
       FROM tickets t
       CROSS JOIN LATERAL ${TIMELINE_FACTS} ev
      WHERE t.received_at >= $1 AND t.received_at < $2
      ORDER BY t.received_at, t.id`,
    [from, to],
  );
  return rows.map((r) => camelRow<NoticeTicket>(r));

}

const FIGURE_SETS = { 31: 'total', 15: 'channel', 23: 'kind', 27: 'category', 29: 'village', 25: 'villageCategory', 30: 'department' } as const;

/**
 * Every figure of the month's notice in one aggregate query: the counts of NoticeCounts (the
 * definitions at the top of src/domain/notice.ts, summed in SQL as ticketCounts does per ticket)
 * for the whole month and by channel, kind, category, village, village × category and department.
 * The first acceptance and the improper returns come from each ticket's timeline, as in
 * loadNoticeTickets. Instants are counted in whole milliseconds, as the JS Dates hold them.
 */
export async function noticeFigureRows(db: Db, from: Date, to: Date, now: Date): Promise<NoticeFigureRow[]> {
  const { rows } = await db.query(
    `SELECT GROUPING(t.channel, t.kind, t.category_code, t.village_code, t.department_code) AS g,
            t.channel, t.kind, t.category_code, t.village_code, t.department_code,
            count(*)::int AS received,
            count(*) FILTER (WHERE t.status = ANY($5))::int AS closed,
            count(*) FILTER (WHERE r.rated AND r.replied AND t.replied_at <= t.due_at)::int AS on_time,
            count(*) FILTER (WHERE r.rated AND (r.replied OR r.overdue))::int AS reply_decided,
            count(*) FILTER (WHERE r.rated AND NOT r.replied AND r.overdue)::int AS overdue_open,
            count(*) FILTER (WHERE r.rated AND t.assigned_at IS NOT NULL AND (ev.first_accepted_at IS NOT NULL
                               OR (t.status = ANY($6) AND t.sign_off_due_at < $3)))::int AS assigned,
            count(*) FILTER (WHERE r.rated AND t.assigned_at IS NOT NULL
                               AND ev.first_accepted_at <= coalesce(t.sign_off_due_at, 'infinity'))::int AS accepted_on_time,
            count(ev.first_accepted_at)::int AS accepted,
            coalesce(sum(floor(extract(epoch FROM ev.first_accepted_at) * 1000)::bigint
                          - floor(extract(epoch FROM t.received_at) * 1000)::bigint), 0)::float8 AS response_ms,
            count(*) FILTER (WHERE r.rated AND r.reached)::int AS reached,
            count(*) FILTER (WHERE r.rated AND r.reached AND t.resolved)::int AS resolved,
            count(*) FILTER (WHERE r.rated AND r.reached AND t.satisfaction IN ('very_satisfied', 'satisfied', 'basically_satisfied'))::int AS satisfied,
            coalesce(sum(ev.improper), 0)::int AS improper_returns,
            count(*) FILTER (WHERE NOT r.rated)::int AS screened,
            ${Object.entries(SCREENED_FIELDS).map(([c, f]) => `count(*) FILTER (WHERE t.screening_category = '${c}')::int AS ${columnOf(f)}`).join(',\n            ')}
       FROM tickets t
      CROSS JOIN LATERAL (SELECT
              t.replied_at IS NOT NULL AND (t.status = 'replied' OR (t.status = 'closed' AND t.outcome <> 'rejected')) AS replied,
              t.status = ANY($7) AND NOT t.paused AND t.due_at < $3 AS overdue,
              t.screening_category IS NULL AS rated,
              coalesce(t.satisfaction = ANY ($4::text[]), false) AS reached) r
      CROSS JOIN LATERAL ${TIMELINE_FACTS} ev
      WHERE t.received_at >= $1 AND t.received_at < $2
      GROUP BY GROUPING SETS ((), (t.channel), (t.kind), (t.category_code), (t.village_code), (t.village_code, t.category_code),
                              (t.department_code))`,
    [from, to, now, REACHED_SATISFACTIONS, FINISHED_STATUSES, NOT_SIGNED_OFF_STATUSES, AWAITING_REPLY_STATUSES],
  );
  // Counts arrive as ::int, the response time as float8: every figure is a JS number already.
  return rows.map(({ g, ...r }) => ({ ...camelRow<Omit<NoticeFigureRow, 'set'>>(r), set: FIGURE_SETS[g as keyof typeof FIGURE_SETS] }));

}

/** The month's tickets co-handled by each department (SPEC §18): the notice's department table. */
export async function noticeCoHandlingRows(db: Db, from: Date, to: Date): Promise<CoHandlingRow[]> {
  const { rows } = await db.query<{ department_code: string; n: number }>(
    `SELECT c->>'departmentCode' AS department_code, count(*)::int AS n
       FROM tickets t CROSS JOIN LATERAL jsonb_array_elements(t.co_handlers) c
      WHERE t.received_at >= $1 AND t.received_at < $2 AND t.co_handlers <> '[]' AND c->>'state' <> 'waived'
      GROUP BY 1`,
    [from, to],
  );
  return rows.map((r) => ({ departmentCode: r.department_code, count: r.n }));
}

/** The month's non-confidential tickets with only what the case list shows (no timeline). */
export async function loadNoticeCases(db: Db, from: Date, to: Date): Promise<NoticeCaseTicket[]> {
  const { rows } = await db.query(
    `SELECT t.ticket_no, t.received_at, t.category_code, t.village_code, t.department_code, t.status, t.outcome,
            t.content, t.public_summary, t.complainant_name, t.address
       FROM tickets t
      WHERE t.received_at >= $1 AND t.received_at < $2 AND NOT t.confidential
      ORDER BY t.received_at, t.id`,
    [from, to],
  );
  return rows.map((r) => camelRow<NoticeCaseTicket>(r));
}

// --- WeCom deliveries ---

export async function claimDelivery(tx: Db, d: { month: string; revision: number; urlHash: string; part: number; parts: number }): Promise<'pending' | 'delivered'> {
  await tx.query(
    `INSERT INTO wecom_deliveries (month, revision, url_hash, part, parts, status) VALUES ($1, $2, $3, $4, $5, 'pending')
     ON CONFLICT DO NOTHING`,
    [d.month, d.revision, d.urlHash, d.part, d.parts],
  );
  const { rows } = await tx.query<{ status: 'pending' | 'delivered' }>(
    'SELECT status FROM wecom_deliveries WHERE month = $1 AND revision = $2 AND url_hash = $3 AND part = $4 FOR UPDATE',
    [d.month, d.revision, d.urlHash, d.part],
  );
  return rows[0].status;
}

export async function markDelivered(tx: Db, d: { month: string; revision: number; urlHash: string; part: number }, now: Date): Promise<void> {
  await tx.query(
    `UPDATE wecom_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = $5
      WHERE month = $1 AND revision = $2 AND url_hash = $3 AND part = $4`,
    [d.month, d.revision, d.urlHash, d.part, now],
  );
}
