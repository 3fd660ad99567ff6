// Tickets through the real API, the one way tests reach a state (docs/style.md "Test factories"):
// register with POST /api/v1/tickets and act with POST /api/v1/tickets/:no/actions/:action as a
// signed-in caller — never by writing rows. Also named staff for tests that move the clock, and the
// "not found" and validation checks several tests share.
import type { LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { dammCheckDigit } from '../../src/domain/ticket-number.js';
import type { Role } from '../../src/domain/roles.js';
import { createStaff, json, login, registrationRequest, type Session, type TestContext } from './app.js';

/** A caller: a session, or the headers to send (a session's, an API key's). */
export type Caller = Session | Record<string, string>;
type Ctx = Pick<TestContext, 'app'>;

const headersOf = (who: Caller): Record<string, string> =>
  typeof (who as Session).headers === 'object' ? (who as Session).headers : (who as Record<string, string>);

/** Registers through the real API; throws unless 201. The answer: ticketNo, accessCode, dueAt… */
export async function registerTicket(ctx: Ctx, who: Session, body: Record<string, unknown>): Promise<{ ticketNo: string; accessCode: string | null } & Record<string, any>> {
  const res = await ctx.app.inject(registrationRequest(who, body));
  if (res.statusCode !== 201) throw new Error(`registration failed: ${res.statusCode} ${res.body}`);
  return json(res);
}

/** Registers through the real API; the ticket number. */
export async function register(ctx: Ctx, who: Session, body: Record<string, unknown>): Promise<string> {
  return (await registerTicket(ctx, who, body)).ticketNo;
}

/** One lifecycle action; the raw answer, for tests of what is refused. */
export function act(ctx: Ctx, who: Caller, no: string, action: string, body: object = {}): Promise<LightMyRequestResponse> {
  return ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/actions/${action}`, headers: headersOf(who), payload: body });
}

/** One lifecycle action that must succeed (throws with the answer otherwise); the ticket as the caller sees it after. */
export async function actOk(ctx: Ctx, who: Caller, no: string, action: string, body: object = {}): Promise<any> {
  const res = await act(ctx, who, no, action, body);
  if (res.statusCode !== 200) throw new Error(`${action} ${no}: ${res.statusCode} ${res.body}`);
  return json(res);
}

/**
 * Named staff for tests that move the clock by days: each call signs in afresh, since a session
 * idles out meanwhile. `cast` maps a name to [roles, department, username?].
 */
export async function staffCast<K extends string>(ctx: TestContext, cast: Record<K, [Role[], string | null, string?]>) {
  const names = {} as Record<K, string>;
  for (const [who, [roles, dept, username]] of Object.entries(cast) as [K, [Role[], string | null, string?]][]) {
    names[who] = await createStaff(ctx, roles, dept, username);
  }
  const as = (who: K): Promise<Session> => login(ctx, names[who]);
  return {
    names,
    as,
    headers: async (who: K): Promise<Record<string, string>> => (await as(who)).headers,
    act: async (who: K, no: string, action: string, body: object = {}): Promise<any> => actOk(ctx, await as(who), no, action, body),
  };
}

/** A number with a valid check digit that names no ticket in the test database. */
export async function unknownTicketNo(ctx: Pick<TestContext, 'db'>): Promise<string> {
  for (let i = 0; ; i++) {
    const body = `20261125${String(900000 + i)}`;
    const no = body + String(dammCheckDigit(body));
    const { rowCount } = await ctx.db.pool.query('SELECT 1 FROM tickets WHERE ticket_no = $1', [no]);
    if (rowCount === 0) return no;
  }
}

/** The error body without its request id: two refusals that must look the same are compared so. */
export function withoutRequestId(res: LightMyRequestResponse): Record<string, unknown> {
  const { requestId: _id, ...rest } = json(res);
  return rest;
}

const CHINESE = /[\u4e00-\u9fff]/;

/** A 400 VALIDATION_FAILED whose details name `path` with a Chinese message (matching `message`). */
export function expectInvalid(t: Test, res: LightMyRequestResponse, path: string, name: string, message?: RegExp): void {
  t.equal(res.statusCode, 400, `${name}: 400 (${res.body})`);
  const body = json(res);
  t.equal(body.code, 'VALIDATION_FAILED', `${name}: code`);
  const detail = body.details?.find((d: { path: string }) => d.path === path);
  t.ok(detail, `${name}: details name ${path} (got ${JSON.stringify(body.details)})`);
  t.match(detail?.message ?? '', CHINESE, `${name}: message in Chinese`);
  if (message) t.match(detail?.message ?? '', message, `${name}: message says what is wrong`);
}
