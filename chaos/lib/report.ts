// Figures, the printed table and the results file. A figure either has a bar (pass/fail) or is
// informational (`pass: null`); the run fails when any figure with a bar misses it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Figure {
  scenario: string;
  figure: string;
  value: string;
  bar: string;
  pass: boolean | null;
}

export interface ScenarioReport {
  id: string;
  name: string;
  durationS: number;
  figures: Figure[];
  /** Log lines and database facts behind the failing figures. */
  evidence: string[];
  error?: string;
}

/** Collects one scenario's figures. */
export class Figures {
  readonly list: Figure[] = [];
  readonly evidence: string[] = [];
  constructor(private readonly scenario: string) {}

  /** A count whose bar is `max` (usually 0). */
  atMost(figure: string, value: number, max = 0): boolean {
    const pass = value <= max;
    this.list.push({ scenario: this.scenario, figure, value: String(value), bar: max === 0 ? '0' : `≤ ${max}`, pass });
    return pass;
  }

  /** A duration (ms) whose bar is `maxMs`; null means it never happened. */
  within(figure: string, ms: number | null, maxMs: number): boolean {
    const pass = ms !== null && ms <= maxMs;
    this.list.push({ scenario: this.scenario, figure, value: ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`, bar: `≤ ${maxMs / 1000} s`, pass });
    return pass;
  }

  /** `ok` of `total` must all be ok. */
  all(figure: string, ok: number, total: number): boolean {
    const pass = total > 0 && ok === total;
    this.list.push({ scenario: this.scenario, figure, value: `${ok}/${total}`, bar: 'all', pass });
    return pass;
  }

  yes(figure: string, value: boolean, shown?: string): boolean {
    this.list.push({ scenario: this.scenario, figure, value: shown ?? (value ? 'yes' : 'no'), bar: 'yes', pass: value });
    return value;
  }

  info(figure: string, value: string | number): void {
    this.list.push({ scenario: this.scenario, figure, value: String(value), bar: '—', pass: null });
  }

  note(line: string): void {
    this.evidence.push(line);
  }
}

function width(s: string): number {
  // CJK characters take two columns in a terminal.
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));

export function formatTable(figures: Figure[]): string {
  const head = ['scenario', 'figure', 'value', 'bar', 'result'];
  const cells = figures.map((f) => [f.scenario, f.figure, f.value, f.bar, f.pass === null ? 'info' : f.pass ? 'PASS' : 'FAIL']);
  const widths = head.map((h, i) => Math.max(width(h), ...cells.map((c) => width(c[i]))));
  const line = (c: string[]) => `| ${c.map((x, i) => pad(x, widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export function writeResults(dir: string, name: string, data: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
