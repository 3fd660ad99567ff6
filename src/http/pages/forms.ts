// HTML forms ↔ the inputs the services take. A form posts flat `application/x-www-form-urlencoded`
// fields named like the JSON paths of the API (`complainant.phone`, `kinds.help.resolve.amount`),
// so a DomainError detail's path names the field it belongs to. Nothing here decides anything: the
// zod schemas of the API and the services do.
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { DomainError, validationError, type ErrorDetail } from '../../domain/errors.js';
import { issuesToDetails } from '../../domain/zod-zh.js';
import type { FieldSpec } from './form-specs.js';

export type FormValues = Record<string, string | string[]>;

export interface FormState {
  values: FormValues;
  /** Message per field name (several joined with "；"). */
  errors: Record<string, string>;
  /** Every problem, for the summary at the top of the form (`href` when a field shows it). */
  summary: { href: string | null; label: string; message: string }[];
  /** A problem that is not about one field (a refused transition, a lockout). */
  message?: string;
}

export function emptyForm(values: FormValues = {}): FormState {
  return { values, errors: {}, summary: [] };
}

/** The posted fields without the CSRF token, every value a string or a list of strings. */
export function formBody(request: FastifyRequest): FormValues {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const out: FormValues = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === '_csrf' || k === '__proto__') continue;
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}

/** A field's text, trimmed; undefined when absent or blank. */
export function str(values: FormValues, name: string): string | undefined {
  const v = values[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
}

/** An optional Duration from `<name>.amount` + `<name>.unit`; a blank amount means "none". */
export function durationInput(v: FormValues, name: string): { amount: unknown; unit: unknown } | null {
  const amount = str(v, `${name}.amount`);
  if (amount === undefined) return null;
  return { amount: Number.isFinite(Number(amount)) ? Number(amount) : amount, unit: str(v, `${name}.unit`) };
}

export function list(values: FormValues, name: string): string[] {
  const v = values[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((s) => s.trim()).filter(Boolean);
}

/** `true`/`false` from radios and select boxes; undefined when nothing was chosen. */
export function bool(values: FormValues, name: string): boolean | undefined {
  const s = str(values, name);
  return s === 'true' ? true : s === 'false' ? false : undefined;
}

/** A checkbox: present means true. */
export function checked(values: FormValues, name: string): boolean {
  return str(values, name) !== undefined;
}

/** A number field; text that is not a number is passed on as is so the schema names the field. */
export function num(values: FormValues, name: string): number | string | undefined {
  const s = str(values, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

/** Drops undefined members, so optional fields left blank are simply absent. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Parses with an API schema; a failure becomes the same VALIDATION_FAILED the API answers. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(issuesToDetails(r.error.issues));
  return r.data;
}

export function fieldId(name: string, prefix = 'f'): string {
  return `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/**
 * The field a detail belongs to: the longest field name that is the path or a prefix of it at a
 * `.` or `[` boundary (`holidays[3]` → `holidays`, `resolveWithin.amount` → `resolveWithin`).
 */
function fieldFor(path: string, fields: FieldSpec[]): FieldSpec | null {
  let best: FieldSpec | null = null;
  for (const f of fields) {
    const hit = path === f.name || path.startsWith(`${f.name}.`) || path.startsWith(`${f.name}[`);
    if (hit && (!best || f.name.length > best.name.length)) best = f;
  }
  return best;
}

/** A list of codes means nothing to a clerk who picks from a list: say "choose" instead. */
function choiceMessage(f: FieldSpec, values: FormValues, message: string): string {
  if (!f.options || !message.startsWith('取值无效')) return message;
  return str(values, f.name) === undefined ? `请选择${f.label}` : '请从列表中选择';
}

export function withErrors(values: FormValues, details: ErrorDetail[], fields: FieldSpec[], idPrefix = 'f', message?: string): FormState {
  const state: FormState = { values, errors: {}, summary: [], message };
  for (const d of details) {
    const f = fieldFor(d.path, fields);
    const message = f ? choiceMessage(f, values, d.message) : d.message;
    if (f) state.errors[f.name] = state.errors[f.name] ? `${state.errors[f.name]}；${message}` : message;
    state.summary.push({ href: f ? `#${fieldId(f.name, idPrefix)}` : null, label: f?.label ?? d.path, message });
  }
  return state;
}

/** The form state for a DomainError a form caused; other errors are rethrown. */
export function formError(err: unknown, values: FormValues, fields: FieldSpec[], idPrefix = 'f'): FormState {
  if (!(err instanceof DomainError)) throw err;
  const details = err.details ?? [];
  return withErrors(values, details, fields, idPrefix, details.length ? '提交的内容有误，请按提示修改后重新提交' : err.message);
}
