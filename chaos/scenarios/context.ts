// What every scenario receives, and the helpers they share: client options, waiting for the
// `registered` SMS to settle, the figures on registrations and on process survival, log scans.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Cluster } from '../lib/postgres.js';
import type { RedisServer } from '../lib/redis.js';
import type { SmsGateway } from '../lib/sms-gateway.js';
import { System, ROLES, logSince, logSize, roleLabel, type Role, type SysProc } from '../lib/system.js';
import type { Figures } from '../lib/report.js';
import type { ClientOptions, Registration } from '../lib/client.js';
import type { LadderMinutes } from '../lib/ladders.js';
import { countRegisteredSms, countRegistrations, explainMissingSms, sessionSummary, ticketsOf, type SmsCounts, type TicketRow } from '../lib/checks.js';
import { until } from '../lib/util.js';

export interface Ctx {
  quick: boolean;
  runTag: string;
  cluster: Cluster;
  db: pg.Pool;
  redis: RedisServer;
  gateway: SmsGateway;
  system: System;
  /** Bearer token of an API key with an `intake:` scope. */
  token: string;
  ladders: LadderMinutes;
  log: (msg: string) => void;
  /** Where the processes' logs go; the clients' attempts are written there too, for post-mortems. */
  logsDir: string;
}

export interface Scenario {
  id: string;
  name: string;
  run(ctx: Ctx, f: Figures): Promise<void>;
}

export function clients(ctx: Ctx, deadlineInMs: number, targets?: () => string[]): ClientOptions {
  return {
    token: ctx.token,
    targets: targets ?? (() => ctx.system.httpUrls()),
    attemptTimeoutMs: 10_000,
    deadline: Date.now() + deadlineInMs,
  };
}

/** Tickets in the database for the demands and the registration figures (lost, duplicates, unacknowledged). */
export async function registrationFigures(ctx: Ctx, f: Figures, prefix: string, regs: Registration[]): Promise<TicketRow[]> {
  const rows = await ticketsOf(ctx.db, prefix);
  writeFileSync(path.join(ctx.logsDir, `clients-${prefix.split('-').pop()}.json`), JSON.stringify(regs.map(({ body: _b, ...r }) => r)));
  const c = countRegistrations(regs, rows);
  f.info('demands sent / acknowledged / tickets in DB', `${c.sent} / ${c.acked} / ${c.ticketsInDb}`);
  f.atMost('acknowledged but lost', c.ackedButLost);
  f.atMost('duplicate tickets (one Idempotency-Key)', c.duplicates);
  f.atMost('demands never acknowledged', c.unacked + c.refused);
  f.info('attempts by outcome', Object.entries(c.outcomes).map(([k, v]) => `${k}:${v}`).join(' '));
  c.examples.forEach((e) => f.note(e));
  if (c.unacked > 0) {
    f.note(`${c.unacked} demands unanswered until the clients gave up; database sessions at the end:`);
    for (const l of await sessionSummary(ctx.db).catch((e: Error) => [e.message])) f.note(`  ${l}`);
  }
  return rows;
}

/** Waits (up to `timeoutMs`) for every ticket's `registered` SMS, then records missing/duplicated. */
export async function smsFigures(ctx: Ctx, f: Figures, rows: TicketRow[], timeoutMs: number, label = 'registered SMS'): Promise<SmsCounts> {
  await until(() => countRegisteredSms(rows, ctx.gateway).missing === 0, timeoutMs, 250);
  const s = countRegisteredSms(rows, ctx.gateway);
  f.atMost(`${label} missing (of ${s.expected})`, s.missing);
  f.atMost(`${label} delivered twice`, s.duplicated);
  f.info(`${label} re-sent under the same key (gateway de-dup)`, s.repeats);
  for (const t of s.missingTickets.slice(0, 5)) f.note(await explainMissingSms(ctx.db, t).catch((e) => `ticket ${t.ticketNo}: ${e.message}`));
  return s;
}

/** Byte offsets of every running process's log: lines after these belong to the scenario. */
export function markLogs(system: System): Map<SysProc, number> {
  return new Map(system.history.map((p) => [p, logSize(p.logFile)]));
}

export function linesSince(system: System, marks: Map<SysProc, number>): { proc: SysProc; lines: string[] }[] {
  return system.history.map((p) => ({ proc: p, lines: logSince(p.logFile, marks.get(p) ?? 0) })).filter((x) => x.lines.length > 0);
}

/** Lines that are not pino JSON (e.g. ioredis's "Unhandled error event" printed raw). */
export function rawLines(system: System, marks: Map<SysProc, number>): { count: number; sample: string[] } {
  const raw: string[] = [];
  for (const { proc, lines } of linesSince(system, marks)) {
    for (const l of lines) if (!l.startsWith('{')) raw.push(`${roleLabel(proc.role)}: ${l.slice(0, 160)}`);
  }
  // Quote the messages, not the stack frames under them.
  const sample = [...new Set(raw.filter((l) => !/^[\w-]+: (\s|[{}[\]()]*$)/.test(l)))].slice(0, 3);
  return { count: raw.length, sample };
}

/** "Alive after" for each role; a death is explained by its exit and its last error lines. */
export function aliveFigures(ctx: Ctx, f: Figures, marks: Map<SysProc, number>, roles: Role[] = ROLES, since = 0, after = ''): boolean {
  let all = true;
  for (const role of roles) {
    const p = ctx.system.procs[role];
    const dead = ctx.system.history.filter((h) => h.role === role && h.exit && !h.exit.byHarness && h.exit.at >= since);
    const ok = !!p && !p.exit && dead.length === 0;
    all &&= ok;
    const shown = ok ? 'yes' : `no (${dead.map((d) => `exit ${d.exit!.code ?? d.exit!.signal}`).join(', ') || 'not running'})`;
    f.yes(`${roleLabel(role)} process alive after${after ? ` ${after}` : ''}`, ok, shown);
    for (const d of dead) for (const l of deathLines(d, marks.get(d) ?? 0)) f.note(`${roleLabel(role)} (pid ${d.pid}, exit ${d.exit!.code ?? d.exit!.signal}): ${l}`);
  }
  return all;
}

/** The lines that say why a process died: its error-level entries (message and error), raw error text. */
function deathLines(p: SysProc, from: number): string[] {
  const out: string[] = [];
  for (const l of logSince(p.logFile, from)) {
    if (l.startsWith('{')) {
      try {
        const e = JSON.parse(l) as { level: number; msg?: string; err?: { message?: string; code?: string } };
        if (e.level >= 50) out.push(`${e.msg ?? ''}${e.err ? ` — ${e.err.message ?? ''}${e.err.code ? ` (${e.err.code})` : ''}` : ''}`);
      } catch {
        // a torn last line
      }
    } else if (!/^\s+at |^\s*[{}]\s*$|^\s+\w+: /.test(l)) {
      out.push(l.trim().slice(0, 200));
    }
  }
  return [...new Set(out)].slice(0, 4);
}
