// Who may read /metrics (Prometheus): a scraper on the same host — the TCP peer is a loopback
// address and the request did not come through a proxy — or anyone presenting
// `Authorization: Bearer <METRICS_TOKEN>`. The peer address is the socket's, never the
// X-Forwarded-For client IP (a header anyone can write). Everyone else gets 404 (no token
// configured: nothing to show) or 401 (a token is configured), in the SPEC §12 form.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './plugins/errors.js';

const LOOPBACK_RE = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

export function isLocalPeer(request: FastifyRequest): boolean {
  const peer = request.raw.socket?.remoteAddress ?? '';
  // A reverse proxy on the same host connects from loopback for every outside client: a proxied
  // request is not a local one.
  const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  return LOOPBACK_RE.test(peer) && !proxied;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsAccess(token: string | undefined) {
  const expected = token ? digest(token) : null;
  return async function metricsGuard(request: FastifyRequest, reply: FastifyReply) {
    if (isLocalPeer(request)) return;
    const auth = request.headers.authorization;
    if (expected && typeof auth === 'string' && auth.startsWith('Bearer ') && timingSafeEqual(digest(auth.slice(7).trim()), expected)) return;
    if (!expected) return reply.code(404).send(errorBody(request, 404, 'NOT_FOUND'));
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="metrics"')
      .send(errorBody(request, 401, 'UNAUTHENTICATED', '读取监控指标需要有效的令牌（Authorization: Bearer <METRICS_TOKEN>）'));
  };
}
