// Authentication and authorisation for staff routes: the session cookie (with the CSRF header on
// state changes) or an integration's API key, then the role check. Public routes never call this.
import { CAPABILITY_SCOPES, can, type Capability } from '../../domain/capabilities.js';
import fp from 'fastify-plugin';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/roles.js';
import { resolveSession } from '../../services/auth.service.js';
import { verifyApiKey } from '../../services/api-keys.service.js';
import type { ServiceDeps } from '../../services/deps.js';

export const SESSION_COOKIE = 'hy_session';

export interface StaffActor {
  kind: 'user';
  userId: string;
  username: string;
  displayName: string;
  roles: Role[];
  departmentCode: string | null;
  sessionId: string;
  csrfToken: string;
  /** Signed in with a one-time password: only the routes guarded with `beforePasswordChange`. */
  mustChangePassword: boolean;
}

export interface KeyActor {
  kind: 'api_key';
  keyId: string;
  name: string;
  scopes: string[];
}

export type Actor = StaffActor | KeyActor;

export interface GuardOptions {
  /** The capability needed (domain/capabilities.ts); omit for "any signed-in staff". */
  can?: Capability;
  /** Open to API keys holding a scope that carries the capability (CAPABILITY_SCOPES); else refused. */
  apiKeys?: boolean;
  /** API-key scope predicate for a route outside the capability table (Open311, intake pushes). */
  scope?: (scope: string) => boolean;
  /**
   * Open to a session whose password must be changed first (changing it, /auth/me, signing out).
   * Every other route answers 403 PASSWORD_CHANGE_REQUIRED to such a session.
   */
  beforePasswordChange?: boolean;
  /**
   * A page's multipart form (a file upload): its `_csrf` field arrives inside the body, which is
   * read only in the handler. Without the header the check is left to `readUpload`
   * (plugins/uploads.ts), which reads that field before any byte of the file.
   */
  csrfInMultipart?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    /** The CSRF check waits for the multipart body's `_csrf` field (GuardOptions.csrfInMultipart). */
    csrfPending: boolean;
  }
  interface FastifyInstance {
    deps: ServiceDeps;
    guard: (opts?: GuardOptions) => preHandlerAsyncHookHandler;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The actor of an API key as a client wrote it (`hy_<prefix>_<secret>`), or null when it is not an active key. */
export async function apiKeyActor(deps: ServiceDeps, given: string): Promise<KeyActor | null> {
  const m = /^hy_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{20,})$/.exec(given.trim());
  if (!m) return null;
  const key = await verifyApiKey(deps, m[1], m[2]);
  if (!key) return null;
  return { kind: 'api_key', keyId: key.id, name: key.name, scopes: key.scopes };
}

async function authenticate(request: FastifyRequest, deps: ServiceDeps): Promise<Actor | null> {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return apiKeyActor(deps, auth.slice(7));
  const token = request.cookies?.[SESSION_COOKIE];
  if (!token) return null;
  const session = await resolveSession(deps, token);
  if (!session) return null;
  return {
    kind: 'user',
    userId: session.user.id,
    username: session.user.username,
    displayName: session.user.displayName,
    roles: session.user.roles,
    departmentCode: session.user.departmentCode,
    sessionId: session.sessionId,
    csrfToken: session.csrfToken,
    mustChangePassword: session.user.mustChangePassword,
  };
}

/**
 * The CSRF token of a state change: the `X-CSRF-Token` header, or — since an HTML form cannot set
 * headers — the `_csrf` field of a urlencoded form body (the pages' forms).
 */
function csrfTokenOf(request: FastifyRequest): unknown {
  const header = request.headers['x-csrf-token'];
  if (header !== undefined) return header;
  if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return undefined;
  return (request.body as Record<string, unknown> | undefined)?._csrf;
}

export default fp(async function authPlugin(app) {
  app.decorateRequest('actor', null);
  app.decorateRequest('csrfPending', false);
  app.decorate('guard', (opts: GuardOptions = {}) => {
    return async function guard(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
      const actor = request.actor ?? (await authenticate(request, app.deps));
      if (!actor) throw new DomainError('UNAUTHENTICATED');
      request.actor = actor;
      if (actor.kind === 'api_key') {
        const scope = opts.scope ?? (opts.apiKeys && opts.can ? CAPABILITY_SCOPES[opts.can] : undefined);
        if (!scope || !actor.scopes.some(scope)) throw new DomainError('FORBIDDEN');
        return;
      }
      if (!SAFE_METHODS.has(request.method)) {
        const token = csrfTokenOf(request);
        if (token === undefined && opts.csrfInMultipart && request.isMultipart()) request.csrfPending = true;
        else if (typeof token !== 'string' || !safeEqual(token, actor.csrfToken)) throw new DomainError('CSRF_FAILED');
      }
      if (actor.mustChangePassword && !opts.beforePasswordChange) throw new DomainError('PASSWORD_CHANGE_REQUIRED');
      if (opts.can && !can(actor.roles, opts.can)) throw new DomainError('FORBIDDEN');
    };
  });
});

export function staffActor(request: FastifyRequest): StaffActor {
  const a = request.actor;
  if (!a || a.kind !== 'user') throw new DomainError('FORBIDDEN');
  return a;
}
