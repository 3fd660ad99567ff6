// Staff account administration: create, change, disable (which ends sessions at once), bootstrap.
import { DomainError, validationError } from '../domain/errors.js';
import type { Role } from '../domain/roles.js';
import { withTx } from '../db/tx.js';
import { appendAudit } from '../db/audit.repository.js';
import * as users from '../db/users.repository.js';
import { findDepartment } from '../db/catalogue.repository.js';
import { generateOneTimePassword, hashPassword } from './passwords.js';
import { normaliseUsername } from './auth.service.js';
import type { ServiceDeps } from './deps.js';

export interface UserView {
  username: string;
  displayName: string;
  roles: Role[];
  departmentCode: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export function userView(u: users.UserRow): UserView {
  return {
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    departmentCode: u.departmentCode,
    active: u.active,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

async function checkDepartment(deps: ServiceDeps, roles: Role[], departmentCode: string | null): Promise<void> {
  if (departmentCode !== null && !(await findDepartment(deps.db, departmentCode))) {
    throw validationError([{ path: 'departmentCode', message: '没有这个部门' }]);
  }
  if (roles.includes('handler') && departmentCode === null) {
    throw validationError([{ path: 'departmentCode', message: '承办人必须属于一个部门' }]);
  }
}

export interface CreateUserInput {
  username: string;
  password: string;
  displayName: string;
  roles: Role[];
  departmentCode?: string | null;
  active?: boolean;
  /** The password is a one-time password: the user must replace it at the first sign-in. */
  mustChangePassword?: boolean;
}

export async function createUser(deps: ServiceDeps, actor: string, input: CreateUserInput): Promise<UserView> {
  const departmentCode = input.departmentCode ?? null;
  await checkDepartment(deps, input.roles, departmentCode);
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  return withTx(deps.db, async (tx) => {
    const u = await users.insertUser(tx, {
      username: normaliseUsername(input.username),
      passwordHash,
      displayName: input.displayName,
      roles: input.roles,
      departmentCode,
      active: input.active ?? true,
      mustChangePassword: input.mustChangePassword ?? false,
    });
    if (!u) throw new DomainError('CONFLICT', '用户名已存在', [{ path: 'username', message: '用户名已存在' }]);
    const data = { roles: u.roles, departmentCode, ...(u.mustChangePassword ? { mustChangePassword: true } : {}) };
    await appendAudit(tx, { actor, action: 'user.create', target: `user:${u.username}`, data, at: now });
    return userView(u);
  });
}

export interface UpdateUserInput {
  password?: string;
  displayName?: string;
  roles?: Role[];
  departmentCode?: string | null;
  active?: boolean;
}

export async function updateUser(deps: ServiceDeps, actor: string, username: string, input: UpdateUserInput): Promise<UserView> {
  const current = await users.findUserByUsername(deps.db, normaliseUsername(username));
  if (!current) throw new DomainError('NOT_FOUND', '没有这个用户');
  await checkDepartment(
    deps,
    input.roles ?? current.roles,
    input.departmentCode !== undefined ? input.departmentCode : current.departmentCode,
  );
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  const now = deps.clock.now();
  return withTx(deps.db, async (tx) => {
    const u = await users.updateUser(tx, current.username, { ...input, passwordHash }, now);
    if (!u) throw new DomainError('NOT_FOUND', '没有这个用户');
    // A password change or disabling the account ends every session at once.
    let revoked = 0;
    if (passwordHash || input.active === false) revoked = await users.revokeUserSessions(tx, u.id, now);
    const { password: _omit, ...changed } = input;
    await appendAudit(tx, {
      actor,
      action: 'user.update',
      target: `user:${u.username}`,
      data: { ...changed, passwordChanged: Boolean(passwordHash), sessionsRevoked: revoked },
      at: now,
    });
    return userView(u);
  });
}

export async function listUserViews(deps: ServiceDeps): Promise<UserView[]> {
  return (await users.listUsers(deps.db)).map(userView);
}

/** First start: with no user at all and BOOTSTRAP_ADMIN_PASSWORD set, create `admin`. */
export async function bootstrapAdmin(deps: ServiceDeps): Promise<boolean> {
  const password = deps.config.BOOTSTRAP_ADMIN_PASSWORD;
  if (!password || (await users.countUsers(deps.db)) > 0) return false;
  try {
    await createUser(deps, 'system:bootstrap', { username: 'admin', password, displayName: '系统管理员', roles: ['admin'] });
    deps.log.info({ username: 'admin' }, 'bootstrap admin created');
    return true;
  } catch (err) {
    // Another replica won the race.
    if (err instanceof DomainError && err.code === 'CONFLICT') return false;
    throw err;
  }
}

/**
 * First start without BOOTSTRAP_ADMIN_PASSWORD: with no user at all, `admin` with a generated
 * one-time password that must be changed at the first sign-in. Returns that password, for the
 * caller to print once; null when there is a user already (or another replica won the race).
 */
export async function createFirstAdmin(deps: ServiceDeps): Promise<string | null> {
  if (deps.config.BOOTSTRAP_ADMIN_PASSWORD || (await users.countUsers(deps.db)) > 0) return null;
  const password = generateOneTimePassword();
  try {
    await createUser(deps, 'system:first-start', {
      username: 'admin',
      password,
      displayName: '系统管理员',
      roles: ['admin'],
      mustChangePassword: true,
    });
    return password;
  } catch (err) {
    if (err instanceof DomainError && err.code === 'CONFLICT') return null;
    throw err;
  }
}
