// Staff login, sessions and lockout (SPEC §10).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { DomainError, validationError } from '../domain/errors.js';
import { withTx } from '../db/tx.js';
import { appendAudit } from '../db/audit.repository.js';
import * as users from '../db/users.repository.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { ServiceDeps } from './deps.js';

export const SESSION_IDLE_SECONDS = 30 * 60;
export const SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60;
const LOCKOUT_FAILURES = 10;
const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;
const LOCKOUT_DURATION_MS = 15 * 60 * 1000;
// Idle tracking is written at most this often, not on every request.
const TOUCH_EVERY_MS = 60 * 1000;

export function tokenHash(token: string, secret: string | undefined): Buffer {
  return secret
    ? createHmac('sha256', secret).update(token).digest()
    : createHash('sha256').update(token).digest();
}

export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}

/**
 * The username is locked when 10 failures fell within 15 minutes and the last of them is less
 * than 15 minutes old. Failures are counted for unknown usernames too, so a lock reveals nothing.
 */
function lockedUntil(failures: Date[]): Date | null {
  if (failures.length < LOCKOUT_FAILURES) return null;
  const newest = failures[0];
  const tenth = failures[LOCKOUT_FAILURES - 1];
  if (newest.getTime() - tenth.getTime() > LOCKOUT_WINDOW_MS) return null;
  return new Date(newest.getTime() + LOCKOUT_DURATION_MS);
}

export interface LoginResult {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  user: users.UserRow;
}

async function refuseWhileLocked(db: ServiceDeps['db'], username: string, now: Date): Promise<void> {
  const failures = await users.recentLoginFailures(db, username, new Date(now.getTime() - 2 * LOCKOUT_WINDOW_MS));
  const until = lockedUntil(failures);
  if (until && until > now) {
    throw new DomainError('ACCOUNT_LOCKED', undefined, undefined, { retryAfterSeconds: Math.ceil((until.getTime() - now.getTime()) / 1000) });
  }
}

export async function login(deps: ServiceDeps, usernameInput: string, password: string, ip: string): Promise<LoginResult> {
  const { db, clock, config } = deps;
  const username = normaliseUsername(usernameInput);
  const now = clock.now();
  await refuseWhileLocked(db, username, now);
  const user = await users.findUserByUsername(db, username);
  const ok = await verifyPassword(user?.passwordHash ?? null, password);
  if (!user || !ok || !user.active) {
    await withTx(db, async (tx) => {
      await users.recordLoginFailure(tx, username, now);
      await appendAudit(tx, { actor: `user:${username}`, action: 'login_failed', target: null, data: { ip }, at: now });
    });
    throw new DomainError('INVALID_CREDENTIALS');
  }
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_SECONDS * 1000);
  await withTx(db, async (tx) => {
    await users.clearLoginFailures(tx, username);
    await users.insertSession(tx, { tokenHash: tokenHash(token, config.SESSION_SECRET), userId: user.id, csrfToken, now, expiresAt });
    await appendAudit(tx, { actor: `user:${username}`, action: 'login', target: null, data: { ip }, at: now });
  });
  return { token, csrfToken, expiresAt, user };
}

export async function resolveSession(deps: ServiceDeps, token: string): Promise<users.SessionRow | null> {
  const now = deps.clock.now();
  const session = await users.findLiveSession(deps.db, tokenHash(token, deps.config.SESSION_SECRET), now, SESSION_IDLE_SECONDS);
  if (session && now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await users.touchSession(deps.db, session.sessionId, now);
  }
  return session;
}

export async function logout(deps: ServiceDeps, session: { sessionId: string; username: string }): Promise<void> {
  const now = deps.clock.now();
  await withTx(deps.db, async (tx) => {
    await users.revokeSession(tx, session.sessionId, now);
    await appendAudit(tx, { actor: `user:${session.username}`, action: 'logout', at: now });
  });
}

/**
 * A signed-in user replaces their own password (and with it a one-time password). The current
 * password is asked again — a wrong one counts towards the lockout like a failed login. The other
 * sessions of the user end at once; the one that made the change stays signed in.
 */
export async function changeOwnPassword(
  deps: ServiceDeps,
  actor: { userId: string; username: string; sessionId: string },
  currentPassword: string,
  newPassword: string,
  ip: string,
): Promise<void> {
  const { db, clock } = deps;
  const now = clock.now();
  await refuseWhileLocked(db, actor.username, now);
  const user = await users.findUserByUsername(db, actor.username);
  if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) {
    await withTx(db, async (tx) => {
      await users.recordLoginFailure(tx, actor.username, now);
      await appendAudit(tx, { actor: `user:${actor.username}`, action: 'password_change_failed', target: null, data: { ip }, at: now });
    });
    throw validationError([{ path: 'currentPassword', message: '当前密码不正确' }], '当前密码不正确');
  }
  if (newPassword === currentPassword) {
    throw validationError([{ path: 'newPassword', message: '新密码不能与当前密码相同' }]);
  }
  const passwordHash = await hashPassword(newPassword);
  await withTx(db, async (tx) => {
    await users.setOwnPassword(tx, user.id, passwordHash, now);
    const revoked = await users.revokeUserSessions(tx, user.id, now, actor.sessionId);
    await users.clearLoginFailures(tx, actor.username);
    await appendAudit(tx, {
      actor: `user:${actor.username}`,
      action: 'password_change',
      target: `user:${actor.username}`,
      data: { ip, oneTimePasswordReplaced: user.mustChangePassword, sessionsRevoked: revoked },
      at: now,
    });
  });
}
