// Rows as the application reads them: a result row's snake_case columns under camelCase names.
// Each repository names its columns once (the SELECT list) and its row type; this does the rest.

/** The field of a column: `sign_off_due_at` → `signOffDueAt`. */
export const fieldOf = (column: string): string => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The column of a field: `signOffDueAt` → `sign_off_due_at`. */
export const columnOf = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A result row with camelCase keys, typed as the repository's row type. */
export function camelRow<T>(r: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[fieldOf(k)] = v;
  return out as T;
}
