// The holiday calendar (per year) and the SLA policy document.
import type { Db } from './tx.js';
import type { CalendarYear } from '../domain/calendar.js';

export async function loadCalendarYears(db: Db): Promise<CalendarYear[]> {
  const { rows } = await db.query(
    `SELECT year, ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(holidays) d ORDER BY d) AS holidays,
            ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(workdays) d ORDER BY d) AS workdays
       FROM calendar_years ORDER BY year`,
  );
  return rows.map((r) => ({ year: r.year, holidays: r.holidays, workdays: r.workdays }));
}

export async function upsertCalendarYear(db: Db, y: CalendarYear, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO calendar_years (year, holidays, workdays, updated_at) VALUES ($1, $2::date[], $3::date[], $4)
     ON CONFLICT (year) DO UPDATE SET holidays = EXCLUDED.holidays, workdays = EXCLUDED.workdays, updated_at = $4`,
    [y.year, y.holidays, y.workdays, now],
  );
}

export async function loadSlaPolicy(db: Db): Promise<unknown> {
  const { rows } = await db.query('SELECT policy FROM sla_policy WHERE id = 1');
  return rows[0]?.policy ?? null;
}

export async function saveSlaPolicy(db: Db, policy: unknown, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO sla_policy (id, policy, updated_at) VALUES (1, $1, $2)
     ON CONFLICT (id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = $2`,
    [JSON.stringify(policy), now],
  );
}

/** Office hours (SPEC §18, migration 0021): one row. */
export async function loadOfficeHours(db: Db): Promise<{ start: string; end: string } | null> {
  const { rows } = await db.query('SELECT start_time, end_time FROM office_hours WHERE id = 1');
  return rows[0] ? { start: rows[0].start_time, end: rows[0].end_time } : null;
}

export async function saveOfficeHours(db: Db, h: { start: string; end: string }, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO office_hours (id, start_time, end_time, updated_at) VALUES (1, $1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, updated_at = $3`,
    [h.start, h.end, now],
  );
}
