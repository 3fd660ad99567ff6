// A local stand-in for an SMS gateway (third-party HTTP is the one thing tests fake). Like real
// gateways it de-duplicates on the client message id; it can answer slowly or fail on demand.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSms {
  url: string;
  requests: { id: string; to: string; text: string }[];
  /** Distinct deliveries, by client message id. */
  delivered: Map<string, { to: string; text: string }>;
  slowMs: number;
  failNext: number;
  close: () => Promise<void>;
}

export async function startFakeSms(): Promise<FakeSms> {
  const fake: FakeSms = { url: '', requests: [], delivered: new Map(), slowMs: 0, failNext: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const msg = JSON.parse(body) as { clientMessageId: string; to: string; text: string };
      fake.requests.push({ id: msg.clientMessageId, to: msg.to, text: msg.text });
      if (fake.failNext > 0) {
        fake.failNext--;
        res.writeHead(503).end('busy');
        return;
      }
      setTimeout(() => {
        if (!fake.delivered.has(msg.clientMessageId)) fake.delivered.set(msg.clientMessageId, { to: msg.to, text: msg.text });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }, fake.slowMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  fake.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake;
}
