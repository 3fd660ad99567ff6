// Admin changes to departments and categories, audited, with the local cache invalidated.
import { DomainError, validationError } from '../domain/errors.js';
import type { Duration } from '../domain/calendar.js';
import { withTx } from '../db/tx.js';
import { appendAudit } from '../db/audit.repository.js';
import * as repo from '../db/catalogue.repository.js';
import { invalidateCatalogueCache } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';

async function audited<T>(deps: ServiceDeps, actor: string, action: string, target: string, data: unknown, fn: (tx: import('pg').PoolClient) => Promise<T>): Promise<T> {
  const now = deps.clock.now();
  const result = await withTx(deps.db, async (tx) => {
    const r = await fn(tx);
    await appendAudit(tx, { actor, action, target, data: data as Record<string, unknown>, at: now });
    return r;
  });
  invalidateCatalogueCache(deps);
  return result;
}

/** Every department and village, active or not (the admin list). */
export async function listAllDepartments(deps: Pick<ServiceDeps, 'db'>): Promise<repo.DepartmentRow[]> {
  return repo.listDepartments(deps.db);
}

/** Every category, active or not (the admin list). */
export async function listAllCategories(deps: Pick<ServiceDeps, 'db'>) {
  return repo.listCategories(deps.db);
}

export async function createDepartment(deps: ServiceDeps, actor: string, d: { code: string; name: string; kind: 'office' | 'village'; active?: boolean }) {
  return audited(deps, actor, 'department.create', `department:${d.code}`, d, async (tx) => {
    const row = await repo.insertDepartment(tx, { ...d, active: d.active ?? true });
    if (!row) throw new DomainError('CONFLICT', '部门代码已存在', [{ path: 'code', message: '部门代码已存在' }]);
    return row;
  });
}

export async function patchDepartment(deps: ServiceDeps, actor: string, code: string, p: Partial<Omit<repo.DepartmentRow, 'code'>>) {
  return audited(deps, actor, 'department.update', `department:${code}`, p, async (tx) => {
    const row = await repo.updateDepartment(tx, code, p, deps.clock.now());
    if (!row) throw new DomainError('NOT_FOUND', '没有这个部门');
    return row;
  });
}

export interface CategoryInput {
  code: string;
  name: string;
  departmentCode: string;
  keywords?: string[];
  resolveWithin?: Duration | null;
  signOffWithin?: Duration | null;
  active?: boolean;
}

async function checkDepartmentExists(tx: import('pg').PoolClient, code: string | undefined): Promise<void> {
  if (code !== undefined && !(await repo.findDepartment(tx, code))) {
    throw validationError([{ path: 'departmentCode', message: '没有这个部门' }]);
  }
}

export async function createCategory(deps: ServiceDeps, actor: string, c: CategoryInput) {
  return audited(deps, actor, 'category.create', `category:${c.code}`, c, async (tx) => {
    await checkDepartmentExists(tx, c.departmentCode);
    const row = await repo.insertCategory(tx, {
      ...c,
      keywords: c.keywords ?? [],
      resolveWithin: c.resolveWithin ?? null,
      signOffWithin: c.signOffWithin ?? null,
      active: c.active ?? true,
    });
    if (!row) throw new DomainError('CONFLICT', '分类代码已存在', [{ path: 'code', message: '分类代码已存在' }]);
    return row;
  });
}

export async function patchCategory(deps: ServiceDeps, actor: string, code: string, p: Partial<Omit<CategoryInput, 'code'>>) {
  return audited(deps, actor, 'category.update', `category:${code}`, p, async (tx) => {
    await checkDepartmentExists(tx, p.departmentCode);
    const row = await repo.updateCategory(tx, code, p, deps.clock.now());
    if (!row) throw new DomainError('NOT_FOUND', '没有这个分类');
    return row;
  });
}
