// Diagnostics for the benches and tests (SPEC §14 "duplicate candidates read ≤ 200 rows"): how
// many rows a statement reads from one table, from its executed plan (EXPLAIN ANALYZE), counting
// the rows a filter threw away too.
import type pg from 'pg';

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

export async function explainRowsRead(pool: pg.Pool, sql: string, values: unknown[], relation: string): Promise<number> {
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
  let total = 0;
  const walk = (node: PlanNode): void => {
    if (node['Relation Name'] === relation) {
      total += node['Actual Rows'] * node['Actual Loops'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan);
  return total;
}
