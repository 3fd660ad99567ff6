// A local stand-in for the 12345 platform's feedback endpoint (SPEC §15), on 127.0.0.1:0: it checks
// the X-Huiying-Signature of every post against the shared secret, refuses the first `failFirst`
// posts (500) and then answers 200, and records each accepted delivery, so a test can say "each
// event exactly once".
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeDelivery {
  body: Record<string, unknown>;
  raw: string;
}

export interface FakeHotline {
  url: string;
  secret: string;
  /** Posts accepted with a valid signature, in order. */
  deliveries: FakeDelivery[];
  /** Every post seen, accepted or not. */
  attempts: number;
  /** Posts whose signature did not match (answered 401). */
  badSignatures: number;
  /** Refuse the next n posts with 500. */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startFakeHotline(opts: { secret: string; failFirst?: number }): Promise<FakeHotline> {
  let failing = opts.failFirst ?? 0;
  const state = { deliveries: [] as FakeDelivery[], attempts: 0, badSignatures: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.attempts++;
      const raw = Buffer.concat(chunks).toString('utf8');
      const expected = Buffer.from(`sha256=${createHmac('sha256', opts.secret).update(raw, 'utf8').digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-huiying-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        state.badSignatures++;
        res.writeHead(401).end('bad signature');
        return;
      }
      if (failing > 0) {
        failing--;
        res.writeHead(500).end('platform busy');
        return;
      }
      state.deliveries.push({ body: JSON.parse(raw) as Record<string, unknown>, raw });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/feedback`,
    secret: opts.secret,
    get deliveries() { return state.deliveries; },
    get attempts() { return state.attempts; },
    get badSignatures() { return state.badSignatures; },
    failNext(n: number) { failing = n; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
