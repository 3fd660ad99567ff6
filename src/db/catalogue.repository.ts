// Departments and categories (SPEC §6).
import type { Db } from './tx.js';
import type { Duration } from '../domain/calendar.js';

export interface DepartmentRow {
  code: string;
  name: string;
  kind: 'office' | 'village';
  active: boolean;
}

export interface CategoryRow {
  code: string;
  name: string;
  departmentCode: string;
  keywords: string[];
  resolveWithin: Duration | null;
  signOffWithin: Duration | null;
  active: boolean;
}

const DEPT_COLUMNS = 'code, name, kind, active';
const CAT_COLUMNS = 'code, name, department_code, keywords, resolve_within, sign_off_within, active';

const mapDept = (r: Record<string, unknown>): DepartmentRow => ({
  code: r.code as string,
  name: r.name as string,
  kind: r.kind as DepartmentRow['kind'],
  active: r.active as boolean,
});

const mapCat = (r: Record<string, unknown>): CategoryRow => ({
  code: r.code as string,
  name: r.name as string,
  departmentCode: r.department_code as string,
  keywords: r.keywords as string[],
  resolveWithin: (r.resolve_within as Duration | null) ?? null,
  signOffWithin: (r.sign_off_within as Duration | null) ?? null,
  active: r.active as boolean,
});

export async function listDepartments(db: Db): Promise<DepartmentRow[]> {
  const { rows } = await db.query(`SELECT ${DEPT_COLUMNS} FROM departments ORDER BY kind, code`);
  return rows.map(mapDept);
}

export async function findDepartment(db: Db, code: string): Promise<DepartmentRow | null> {
  const { rows } = await db.query(`SELECT ${DEPT_COLUMNS} FROM departments WHERE code = $1`, [code]);
  return rows[0] ? mapDept(rows[0]) : null;
}

export async function insertDepartment(db: Db, d: DepartmentRow): Promise<DepartmentRow | null> {
  const { rows } = await db.query(
    `INSERT INTO departments (code, name, kind, active) VALUES ($1, $2, $3, $4)
     ON CONFLICT (code) DO NOTHING RETURNING ${DEPT_COLUMNS}`,
    [d.code, d.name, d.kind, d.active],
  );
  return rows[0] ? mapDept(rows[0]) : null;
}

export async function updateDepartment(
  db: Db,
  code: string,
  p: Partial<Omit<DepartmentRow, 'code'>>,
  now: Date,
): Promise<DepartmentRow | null> {
  const { rows } = await db.query(
    `UPDATE departments SET name = COALESCE($2, name), kind = COALESCE($3, kind), active = COALESCE($4, active),
            updated_at = $5
      WHERE code = $1 RETURNING ${DEPT_COLUMNS}`,
    [code, p.name ?? null, p.kind ?? null, p.active ?? null, now],
  );
  return rows[0] ? mapDept(rows[0]) : null;
}

export async function listCategories(db: Db): Promise<CategoryRow[]> {
  const { rows } = await db.query(`SELECT ${CAT_COLUMNS} FROM categories ORDER BY code`);
  return rows.map(mapCat);
}

export async function insertCategory(db: Db, c: CategoryRow): Promise<CategoryRow | null> {
  const { rows } = await db.query(
    `INSERT INTO categories (code, name, department_code, keywords, resolve_within, sign_off_within, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING RETURNING ${CAT_COLUMNS}`,
    [c.code, c.name, c.departmentCode, c.keywords, c.resolveWithin, c.signOffWithin, c.active],
  );
  return rows[0] ? mapCat(rows[0]) : null;
}

export async function updateCategory(
  db: Db,
  code: string,
  p: Partial<Omit<CategoryRow, 'code'>>,
  now: Date,
): Promise<CategoryRow | null> {
  const { rows } = await db.query(
    `UPDATE categories SET name = COALESCE($2, name), department_code = COALESCE($3, department_code),
            keywords = COALESCE($4, keywords),
            resolve_within = CASE WHEN $5::boolean THEN $6 ELSE resolve_within END,
            sign_off_within = CASE WHEN $7::boolean THEN $8 ELSE sign_off_within END,
            active = COALESCE($9, active), updated_at = $10
      WHERE code = $1 RETURNING ${CAT_COLUMNS}`,
    [
      code,
      p.name ?? null,
      p.departmentCode ?? null,
      p.keywords ?? null,
      p.resolveWithin !== undefined,
      p.resolveWithin ?? null,
      p.signOffWithin !== undefined,
      p.signOffWithin ?? null,
      p.active ?? null,
      now,
    ],
  );
  return rows[0] ? mapCat(rows[0]) : null;
}

export async function countDepartments(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM departments');
  return rows[0].n;
}

/** What clerks finally filed recent tickets under: the classifier learns from these. */
export async function recentCategorisedContent(db: Db, limit: number): Promise<{ categoryCode: string; content: string }[]> {
  const { rows } = await db.query(
    `SELECT category_code, content FROM tickets
      WHERE category_code IS NOT NULL AND status <> 'merged'
      ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ categoryCode: r.category_code, content: r.content }));
}
