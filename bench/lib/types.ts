// What every measurement receives and what it hands back for the table.
import type { BenchDb } from './db.js';

export interface BenchContext {
  db: BenchDb;
  quick: boolean;
  /** Alternating rounds (baseline, real, baseline, real …) per HTTP figure. */
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  redisUrl: string | undefined;
  /** Environment for the API and worker processes. */
  serverEnv: Record<string, string>;
  log: (msg: string) => void;
}

export interface Row {
  id: string;
  figure: string;
  measured: string;
  baseline: string;
  ratio: number | null;
  target: string;
  /** null: not measured (see note). */
  pass: boolean | null;
  note?: string;
}
