// /metrics answers a scraper on the same host (the socket's loopback address, not X-Forwarded-For,
// and not through a proxy) or one with `Authorization: Bearer <METRICS_TOKEN>`; nobody else.
import t from 'tap';
import { setupApp } from '../helpers/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const TOKEN = 'metrics-token-0123456789';
const plain = await setupApp(t, { env: { TRUST_PROXY: 'true' } });
const withToken = await setupApp(t, { env: { TRUST_PROXY: 'true', METRICS_TOKEN: TOKEN } });

const scrape = (app: typeof plain.app, remoteAddress: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });

t.test('loopback peers read the metrics without a token', async (t) => {
  for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
    const res = await scrape(plain.app, peer);
    t.equal(res.statusCode, 200, peer);
    t.match(res.body, 'http_request_duration_seconds', `${peer}: Prometheus text`);
  }
});

t.test('others get a 404 in the SPEC §12 form when no token is configured', async (t) => {
  const res = await scrape(plain.app, '203.0.113.5');
  t.equal(res.statusCode, 404);
  t.match(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', requestId: String });
  t.notMatch(res.body, 'http_request_duration');
  const forged = await scrape(plain.app, '203.0.113.5', { 'x-forwarded-for': '127.0.0.1' });
  t.equal(forged.statusCode, 404, 'X-Forwarded-For: 127.0.0.1 does not make a remote peer local (TRUST_PROXY on)');
  const proxied = await scrape(plain.app, '127.0.0.1', { 'x-forwarded-for': '203.0.113.5' });
  t.equal(proxied.statusCode, 404, 'a request through a proxy on the same host is not local');
  const anyToken = await scrape(plain.app, '203.0.113.5', { authorization: `Bearer ${TOKEN}` });
  t.equal(anyToken.statusCode, 404, 'no token configured: none is accepted');
});

t.test('with METRICS_TOKEN: the right bearer token reads them, anything else is 401', async (t) => {
  const ok = await scrape(withToken.app, '203.0.113.5', { authorization: `Bearer ${TOKEN}` });
  t.equal(ok.statusCode, 200);
  t.match(ok.body, 'http_request_duration_seconds');
  for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, 'Bearer ']) {
    const res = await scrape(withToken.app, '203.0.113.5', authorization === undefined ? {} : { authorization });
    t.equal(res.statusCode, 401, String(authorization));
    t.match(res.json(), { statusCode: 401, code: 'UNAUTHENTICATED', message: /令牌/ });
    t.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"');
  }
  t.equal((await scrape(withToken.app, '::1')).statusCode, 200, 'loopback still needs no token');
});

t.test('METRICS_TOKEN must be at least 16 characters', async (t) => {
  let problem: unknown = null;
  try {
    loadConfig({ METRICS_TOKEN: 'short' });
  } catch (err) {
    problem = err;
  }
  t.type(problem, ConfigError);
  t.match((problem as ConfigError).problems, [/^METRICS_TOKEN: must be at least 16 characters/]);
  t.equal(loadConfig({}).METRICS_TOKEN, undefined);
});
