// Behind a reverse proxy (README, "Reverse proxy") every request arrives from the proxy's address:
// without TRUST_PROXY the per-IP public-lookup limit is one bucket for the whole township. With
// TRUST_PROXY naming the proxy, each resident's address (X-Forwarded-For) gets its own bucket, and
// neither a resident forging X-Forwarded-For through the proxy nor a peer that is not the proxy
// can choose its bucket.
import t, { type Test } from 'tap';
import { setupApp, type TestContext } from '../helpers/app.js';

const PROXY = '172.30.57.1';
const LIMIT = 3;

const lookup = (ctx: TestContext, remoteAddress: string, forwardedFor?: string) =>
  ctx.app.inject({
    method: 'GET',
    url: '/api/v1/public/tickets/202611254839207?verify=1234',
    remoteAddress,
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });

/** Uses up one client's limit, then tells whether the next request (from `next`) is limited. */
async function limitedAfter(t: Test, ctx: TestContext, first: [string, string?], next: [string, string?]): Promise<boolean> {
  for (let i = 1; i <= LIMIT; i++) {
    const res = await lookup(ctx, ...first);
    t.not(res.statusCode, 429, `request ${i} within the limit`);
  }
  t.equal((await lookup(ctx, ...first)).statusCode, 429, 'over the limit: 429');
  return (await lookup(ctx, ...next)).statusCode === 429;
}

t.test('TRUST_PROXY set to the proxy: two residents behind it get separate buckets', async (t) => {
  const ctx = await setupApp(t, { env: { TRUST_PROXY: PROXY, PUBLIC_LOOKUP_RATE_LIMIT: String(LIMIT) } });
  t.notOk(await limitedAfter(t, ctx, [PROXY, '203.0.113.10'], [PROXY, '203.0.113.20']), 'another resident is not limited');
  // nginx appends the peer to what the client sent ($proxy_add_x_forwarded_for): the rightmost
  // address the proxy added is the one that counts, not one the resident wrote.
  t.equal((await lookup(ctx, PROXY, '198.51.100.77, 203.0.113.10')).statusCode, 429, 'a forged X-Forwarded-For does not escape the bucket');
});

t.test('TRUST_PROXY unset: behind a proxy the whole township shares one bucket', async (t) => {
  const ctx = await setupApp(t, { env: { PUBLIC_LOOKUP_RATE_LIMIT: String(LIMIT) } });
  t.ok(await limitedAfter(t, ctx, [PROXY, '203.0.113.10'], [PROXY, '203.0.113.20']), 'another resident is limited too');
});

t.test('TRUST_PROXY set: X-Forwarded-For from a peer that is not the proxy is ignored', async (t) => {
  const ctx = await setupApp(t, { env: { TRUST_PROXY: PROXY, PUBLIC_LOOKUP_RATE_LIMIT: String(LIMIT) } });
  t.ok(await limitedAfter(t, ctx, ['198.51.100.9', '203.0.113.10'], ['198.51.100.9', '203.0.113.20']), 'a direct client cannot pick a fresh bucket');
});
