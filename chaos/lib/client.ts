// The harness's clients: an admin session for setup (API key, SLA policy), and registrations that
// behave like a careful intake integration — one Idempotency-Key per demand, retried (network
// error, timeout, 5xx, 429) until the system acknowledges it or the client's deadline passes,
// alternating between the two HTTP processes. Every attempt is recorded with its outcome and time.
import { randomInt } from 'node:crypto';
import { sleep } from './util.js';

export interface Attempt {
  at: number;
  ms: number;
  target: string;
  /** HTTP status, or 'timeout' / 'error'. */
  outcome: number | 'timeout' | 'error';
  /** The error text for 'error', the body's code for 4xx/5xx. */
  detail?: string;
}

export interface Registration {
  /** Unique per demand: the marker at the start of the content and the Idempotency-Key's tail. */
  id: string;
  seq: number;
  phone: string;
  body: Record<string, unknown>;
  attempts: Attempt[];
  firstSentAt: number;
  ackedAt: number | null;
  ticketNo: string | null;
  dueAt: string | null;
  replayed: boolean;
  /** A 4xx answer the client cannot fix by retrying (a harness bug, or a refusal the figures report). */
  refused: string | null;
}

export interface ClientOptions {
  token: string;
  /** Base URLs to alternate between (read at each attempt). */
  targets: () => string[];
  attemptTimeoutMs: number;
  /** The client stops retrying at this instant. */
  deadline: number;
}

const DEMANDS = [
  '村东头的水泥路塌了一个大坑，晚上骑电动车的人已经摔了两个，请尽快修补',
  '我们组的路灯坏了快一个月了，晚上出门一片黑，老人小孩很不安全',
  '通往镇上的桥面裂缝越来越大，下雨天积水很深，担心出事',
  '新修的村道两边没有护栏，靠近水塘的一段特别危险',
];

let phoneCounter = randomInt(0, 50_000_000);

/** A phone number no other demand of this run uses (the daily SMS cap counts per phone). */
export function uniquePhone(): string {
  phoneCounter = (phoneCounter + 1) % 100_000_000;
  return `139${String(phoneCounter).padStart(8, '0')}`;
}

export function newRegistration(id: string, seq: number, kind: string): Registration {
  const phone = uniquePhone();
  return {
    id,
    seq,
    phone,
    body: {
      channel: 'phone',
      kind,
      content: `[${id}] ${DEMANDS[seq % DEMANDS.length]}`,
      complainant: { name: '王建国', phone },
      villageCode: 'dongshan',
      address: `东山村${(seq % 12) + 1}组`,
      // `road` has no category override of the limits, so `kind` alone decides them; its
      // department gets the routing assignment (a staff notification).
      categoryCode: 'road',
    },
    attempts: [],
    firstSentAt: 0,
    ackedAt: null,
    ticketNo: null,
    dueAt: null,
    replayed: false,
    refused: null,
  };
}

/** Sends one registration until it is acknowledged, refused or the deadline passes. */
export async function register(reg: Registration, o: ClientOptions): Promise<void> {
  reg.firstSentAt = Date.now();
  for (let k = 0; Date.now() < o.deadline; k++) {
    const targets = o.targets();
    const target = targets[(reg.seq + k) % targets.length];
    const at = Date.now();
    const remaining = o.deadline - at;
    try {
      const res = await fetch(`${target}/api/v1/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}`, 'idempotency-key': `chaos-${reg.id}` },
        body: JSON.stringify(reg.body),
        signal: AbortSignal.timeout(Math.max(100, Math.min(o.attemptTimeoutMs, remaining))),
      });
      const text = await res.text();
      const attempt: Attempt = { at, ms: Date.now() - at, target, outcome: res.status };
      reg.attempts.push(attempt);
      if (res.status === 201 || res.status === 200) {
        const body = JSON.parse(text) as { ticketNo: string; dueAt: string };
        reg.ackedAt = Date.now();
        reg.ticketNo = body.ticketNo;
        reg.dueAt = body.dueAt;
        reg.replayed = res.headers.get('idempotent-replayed') === 'true';
        return;
      }
      attempt.detail = codeOf(text);
      if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
        reg.refused = `${res.status} ${attempt.detail}`;
        return;
      }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const timeout = e.name === 'TimeoutError' || e.name === 'AbortError';
      reg.attempts.push({ at, ms: Date.now() - at, target, outcome: timeout ? 'timeout' : 'error', detail: timeout ? undefined : (e.cause?.code ?? e.message) });
    }
    await sleep(Math.min(1000, 150 * 1.5 ** Math.min(k, 6)) * (0.75 + Math.random() / 2));
  }
}

function codeOf(text: string): string {
  try {
    return String((JSON.parse(text) as { code?: string }).code ?? '');
  } catch {
    return text.slice(0, 60);
  }
}

export type LoadOptions = ClientOptions & { prefix: string; kind: string; ratePerS: number; clients: number };

/**
 * Steady load from `clients` intake terminals sharing `ratePerS`: each sends a demand at its next
 * slot and retries it until acknowledged before taking the next one (so an outage holds at most
 * `clients` demands open, as with real terminals, instead of an ever-growing retry storm). Runs
 * until `stop()`; `regs` fills as demands are sent.
 */
export function startLoad(o: LoadOptions) {
  let stopped = false;
  const regs: Registration[] = [];
  const every = (1000 * o.clients) / o.ratePerS;
  const start = Date.now();
  const terminals = Array.from({ length: o.clients }, async (_, c) => {
    // A terminal that fell behind (its demand took long to be acknowledged) does not catch up in
    // a burst: it simply takes its next slot.
    let slot = start + (c * 1000) / o.ratePerS;
    while (!stopped) {
      const wait = slot - Date.now();
      if (wait > 0) await sleep(wait);
      if (stopped) break;
      const seq = regs.length;
      const reg = newRegistration(`${o.prefix}-${seq}`, seq, o.kind);
      regs.push(reg);
      await register(reg, o);
      slot = Math.max(slot + every, Date.now());
    }
  });
  return {
    regs,
    /** Demands sent and not yet acknowledged (nor given up). */
    inFlight: () => regs.filter((r) => !r.ticketNo && !r.refused).length,
    /** Sends no new demand from now on (those under way keep retrying). */
    halt: () => {
      stopped = true;
    },
    /** Ends the sending and waits until every demand sent is acknowledged or given up. */
    async stop(): Promise<Registration[]> {
      stopped = true;
      await Promise.all(terminals);
      return regs;
    },
  };
}

/** A burst: `n` demands sent by `concurrency` clients as fast as the system answers. `regs` is live. */
export function startBurst(o: ClientOptions & { prefix: string; kind: string; n: number; concurrency: number; startSeq: number }) {
  const regs = Array.from({ length: o.n }, (_, i) => newRegistration(`${o.prefix}-${o.startSeq + i}`, o.startSeq + i, o.kind));
  let next = 0;
  const done = Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < regs.length) await register(regs[next++], o);
    }),
  ).then(() => regs);
  return { regs, done };
}

export function burst(o: Parameters<typeof startBurst>[0]): Promise<Registration[]> {
  return startBurst(o).done;
}

/** An admin session (cookie + CSRF) for the setup calls. */
export class AdminSession {
  private cookie = '';
  private csrf = '';
  constructor(private readonly base: string) {}

  async login(password: string): Promise<void> {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new Error(`admin login answered ${res.status}: ${await res.text()}`);
    this.cookie = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    this.csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}
