// Staff accounts, sessions and login failures.
import type { Db } from './tx.js';
import type { Role } from '../domain/roles.js';

export interface UserRow {
  id: string;
  username: string;
  passwordHash: string;
  displayName: string;
  roles: Role[];
  departmentCode: string | null;
  active: boolean;
  /** A generated one-time password: nothing but a password change until it is replaced. */
  mustChangePassword: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const USER_COLUMNS = `id::text, username, password_hash, display_name, roles, department_code, active, must_change_password, created_at, updated_at`;

function mapUser(r: Record<string, unknown>): UserRow {
  return {
    id: r.id as string,
    username: r.username as string,
    passwordHash: r.password_hash as string,
    displayName: r.display_name as string,
    roles: r.roles as Role[],
    departmentCode: (r.department_code as string | null) ?? null,
    active: r.active as boolean,
    mustChangePassword: r.must_change_password as boolean,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

export async function countUsers(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM users');
  return Number(rows[0].n);
}

/** Active users still signing in with a generated one-time password. */
export async function usersWithOneTimePassword(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ username: string }>('SELECT username FROM users WHERE must_change_password AND active ORDER BY username');
  return rows.map((r) => r.username);
}

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | null> {
  const { rows } = await db.query(`SELECT ${USER_COLUMNS} FROM users WHERE username = $1`, [username]);
  return rows[0] ? mapUser(rows[0]) : null;
}

export async function listUsers(db: Db): Promise<UserRow[]> {
  const { rows } = await db.query(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`);
  return rows.map(mapUser);
}

export type NewUser = Pick<UserRow, 'username' | 'passwordHash' | 'displayName' | 'roles' | 'departmentCode' | 'active'> & {
  mustChangePassword?: boolean;
};

export async function insertUser(db: Db, u: NewUser): Promise<UserRow | null> {
  const { rows } = await db.query(
    `INSERT INTO users (username, password_hash, display_name, roles, department_code, active, must_change_password)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING RETURNING ${USER_COLUMNS}`,
    [u.username, u.passwordHash, u.displayName, u.roles, u.departmentCode, u.active, u.mustChangePassword ?? false],
  );
  return rows[0] ? mapUser(rows[0]) : null;
}

export interface UserPatch {
  passwordHash?: string;
  displayName?: string;
  roles?: Role[];
  departmentCode?: string | null;
  active?: boolean;
}

export async function updateUser(db: Db, username: string, p: UserPatch, now: Date): Promise<UserRow | null> {
  const { rows } = await db.query(
    `UPDATE users SET
       password_hash = COALESCE($2, password_hash),
       password_changed_at = CASE WHEN $2::text IS NULL THEN password_changed_at ELSE $7 END,
       display_name = COALESCE($3, display_name),
       roles = COALESCE($4, roles),
       department_code = CASE WHEN $5::boolean THEN $6 ELSE department_code END,
       active = COALESCE($8, active),
       updated_at = $7
     WHERE username = $1 RETURNING ${USER_COLUMNS}`,
    [
      username,
      p.passwordHash ?? null,
      p.displayName ?? null,
      p.roles ?? null,
      p.departmentCode !== undefined,
      p.departmentCode ?? null,
      now,
      p.active ?? null,
    ],
  );
  return rows[0] ? mapUser(rows[0]) : null;
}

/** The user's own password change: a new hash, and the one-time password (if any) is gone. */
export async function setOwnPassword(db: Db, userId: string, passwordHash: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE users SET password_hash = $2, password_changed_at = $3, must_change_password = false, updated_at = $3
      WHERE id = $1`,
    [userId, passwordHash, now],
  );
}

// --- sessions ---

export interface SessionRow {
  sessionId: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  user: UserRow;
}

export async function insertSession(
  db: Db,
  s: { tokenHash: Buffer; userId: string; csrfToken: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
     VALUES ($1, $2, $3, $4, $4, $5)`,
    [s.tokenHash, s.userId, s.csrfToken, s.now, s.expiresAt],
  );
}

/** The live session for a token: not revoked, not past its absolute or idle limit, user active. */
export async function findLiveSession(db: Db, tokenHash: Buffer, now: Date, idleSeconds: number): Promise<SessionRow | null> {
  const { rows } = await db.query({
    name: 'hy-live-session',
    text: `SELECT s.id::text AS session_id, s.csrf_token, s.created_at AS s_created_at, s.last_seen_at,
            u.id::text, u.username, u.password_hash, u.display_name, u.roles, u.department_code, u.active,
            u.must_change_password, u.created_at, u.updated_at
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
        AND s.last_seen_at > $2 - make_interval(secs => $3) AND u.active`,
    values: [tokenHash, now, idleSeconds],
  });
  const r = rows[0];
  if (!r) return null;
  return {
    sessionId: r.session_id,
    csrfToken: r.csrf_token,
    createdAt: r.s_created_at,
    lastSeenAt: r.last_seen_at,
    user: mapUser(r),
  };
}

export async function touchSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db.query('UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [sessionId, now]);
}

export async function revokeSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db.query('UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [sessionId, now]);
}

/** Ends the user's sessions; `exceptSessionId` keeps the one that changed its own password. */
export async function revokeUserSessions(db: Db, userId: string, now: Date, exceptSessionId: string | null = null): Promise<number> {
  const { rowCount } = await db.query(
    'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $3::bigint',
    [userId, now, exceptSessionId],
  );
  return rowCount ?? 0;
}

// --- login failures (lockout) ---

export async function recentLoginFailures(db: Db, username: string, since: Date): Promise<Date[]> {
  const { rows } = await db.query<{ at: Date }>(
    'SELECT at FROM login_failures WHERE username = $1 AND at > $2 ORDER BY at DESC LIMIT 50',
    [username, since],
  );
  return rows.map((r) => r.at);
}

export async function recordLoginFailure(db: Db, username: string, now: Date): Promise<void> {
  await db.query('INSERT INTO login_failures (username, at) VALUES ($1, $2)', [username, now]);
}

export async function clearLoginFailures(db: Db, username: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE username = $1', [username]);
}
