// Admin pages for users, departments and categories (SPEC §6, §10): a list with a "new" form, and
// an edit page per row. The three share one set of routes, driven by a description of each; the
// API's zod schemas validate and the audited admin services write.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import type { Duration } from '../../domain/calendar.js';
import { createUser, listUserViews, updateUser } from '../../services/users.service.js';
import * as catalogueAdmin from '../../services/catalogue.admin.service.js';
import { getCatalogue } from '../../services/catalogue.service.js';
import { departmentHandlerCounts } from '../../services/supervision.service.js';
import type { ServiceDeps } from '../../services/deps.js';
import {
  categoryPatchSchema, categorySchema, createUserSchema, departmentPatchSchema, departmentSchema, updateUserSchema,
} from '../schemas.js';
import { staffActor } from '../plugins/auth.js';
import { categoryFields, catalogueOptions, departmentFields, userFields, type CatalogueOptions, type FieldSpec } from './form-specs.js';
import { checked, compact, durationInput, emptyForm, formBody, formError, list, parseWith, str, type FormState, type FormValues } from './forms.js';
import { renderStaff, statusOf } from './render.js';

interface Resource {
  /** Path segment under /staff/admin/ and the list template's name. */
  path: string;
  title: string;
  noun: string;
  rows: (deps: ServiceDeps) => Promise<{ key: string; values: FormValues; row: unknown }[]>;
  fields: (o: CatalogueOptions, creating: boolean) => FieldSpec[];
  create: (deps: ServiceDeps, actor: string, v: FormValues) => Promise<unknown>;
  update: (deps: ServiceDeps, actor: string, key: string, v: FormValues) => Promise<unknown>;
  newValues: FormValues;
}

const flag = (b: boolean): FormValues => (b ? { active: 'true' } : {});

const durationValues = (name: string, d: Duration | null): FormValues =>
  d ? { [`${name}.amount`]: String(d.amount), [`${name}.unit`]: d.unit } : {};

const parse = <S extends z.ZodType>(schema: S, input: unknown) => parseWith(schema, compact(input as Record<string, unknown>));

const RESOURCES: Resource[] = [
  {
    path: 'users',
    title: '用户管理',
    noun: '用户',
    rows: async (deps) =>
      (await listUserViews(deps)).map((u) => ({
        key: u.username,
        row: u,
        values: { displayName: u.displayName, roles: u.roles, departmentCode: u.departmentCode ?? '', ...flag(u.active) },
      })),
    fields: userFields,
    newValues: { active: 'true' },
    create: (deps, actor, v) =>
      createUser(deps, actor, parse(createUserSchema, {
        username: str(v, 'username'), password: str(v, 'password'), displayName: str(v, 'displayName'),
        roles: list(v, 'roles'), departmentCode: str(v, 'departmentCode') ?? null, active: checked(v, 'active'),
      })),
    update: (deps, actor, key, v) =>
      updateUser(deps, actor, key, parse(updateUserSchema, {
        password: str(v, 'password'), displayName: str(v, 'displayName'), roles: list(v, 'roles'),
        departmentCode: str(v, 'departmentCode') ?? null, active: checked(v, 'active'),
      })),
  },
  {
    path: 'departments',
    title: '部门管理',
    noun: '部门',
    rows: async (deps) => {
      const handlers = await departmentHandlerCounts(deps);
      return [...(await getCatalogue(deps)).departments.values()].map((d) => ({
        key: d.code, row: { ...d, handlers: handlers.get(d.code) ?? 0 }, values: { name: d.name, kind: d.kind, ...flag(d.active) },
      }));
    },
    fields: (_o, creating) => departmentFields(creating),
    newValues: { active: 'true', kind: 'office' },
    create: (deps, actor, v) =>
      catalogueAdmin.createDepartment(deps, actor, parse(departmentSchema, { code: str(v, 'code'), name: str(v, 'name'), kind: str(v, 'kind'), active: checked(v, 'active') })),
    update: (deps, actor, key, v) =>
      catalogueAdmin.patchDepartment(deps, actor, key, parse(departmentPatchSchema, { name: str(v, 'name'), kind: str(v, 'kind'), active: checked(v, 'active') })),
  },
  {
    path: 'categories',
    title: '分类管理',
    noun: '分类',
    rows: async (deps) =>
      [...(await getCatalogue(deps)).categories.values()].map((c) => ({
        key: c.code,
        row: c,
        values: {
          name: c.name, departmentCode: c.departmentCode, keywords: c.keywords.join('，'), ...flag(c.active),
          ...durationValues('resolveWithin', c.resolveWithin), ...durationValues('signOffWithin', c.signOffWithin),
        },
      })),
    fields: categoryFields,
    newValues: { active: 'true' },
    create: (deps, actor, v) => catalogueAdmin.createCategory(deps, actor, parse(categorySchema, { code: str(v, 'code'), ...categoryInput(v) })),
    update: (deps, actor, key, v) => catalogueAdmin.patchCategory(deps, actor, key, parse(categoryPatchSchema, categoryInput(v))),
  },
];

function categoryInput(v: FormValues) {
  return {
    name: str(v, 'name'),
    departmentCode: str(v, 'departmentCode'),
    keywords: (str(v, 'keywords') ?? '').split(/[,，、;；\s]+/).filter(Boolean),
    resolveWithin: durationInput(v, 'resolveWithin'),
    signOffWithin: durationInput(v, 'signOffWithin'),
    active: checked(v, 'active'),
  };
}

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;
  const guard = app.guard({ can: 'administer' });
  const who = (request: FastifyRequest) => `user:${staffActor(request).username}`;
  const options = async () => catalogueOptions(await getCatalogue(deps));

  for (const r of RESOURCES) {
    const base = `/admin/${r.path}`;
    const listPage = async (request: FastifyRequest, reply: FastifyReply, form: FormState, status = 200) => {
      const saved = (request.query as Record<string, unknown>).saved;
      return renderStaff(request, reply, `staff/admin/${r.path}`, {
        title: r.title, resource: r, rows: await r.rows(deps), fields: r.fields(await options(), true), form,
        saved: typeof saved === 'string' ? saved : null,
      }, status);
    };
    const editPage = async (request: FastifyRequest, reply: FastifyReply, key: string, form: FormState | null, status = 200) => {
      const row = (await r.rows(deps)).find((x) => x.key === key);
      if (!row) throw new DomainError('NOT_FOUND', `没有这个${r.noun}`);
      return renderStaff(request, reply, 'staff/admin/edit', {
        title: `修改${r.noun}：${key}`, resource: r, key, fields: r.fields(await options(), false), form: form ?? emptyForm(row.values),
      }, status);
    };
    const failed = async (err: unknown, creating: boolean, values: FormValues) => formError(err, values, r.fields(await options(), creating));

    app.get(base, { preValidation: guard }, (request, reply) => listPage(request, reply, emptyForm(r.newValues)));
    app.post(base, { preValidation: guard }, async (request, reply) => {
      const values = formBody(request);
      try {
        await r.create(deps, who(request), values);
        return reply.redirect(`/staff${base}?saved=${encodeURIComponent(str(values, 'code') ?? str(values, 'username') ?? '')}`, 303);
      } catch (err) {
        return listPage(request, reply, await failed(err, true, values), statusOf(err as DomainError));
      }
    });
    app.get(`${base}/:key`, { preValidation: guard }, (request, reply) => editPage(request, reply, (request.params as { key: string }).key, null));
    app.post(`${base}/:key`, { preValidation: guard }, async (request, reply) => {
      const { key } = request.params as { key: string };
      const values = formBody(request);
      try {
        await r.update(deps, who(request), key, values);
        return reply.redirect(`/staff${base}?saved=${encodeURIComponent(key)}`, 303);
      } catch (err) {
        if (err instanceof DomainError && err.code === 'NOT_FOUND') throw err;
        return editPage(request, reply, key, await failed(err, false, values), statusOf(err as DomainError));
      }
    });
  }
};

export default pages;
