// A local stand-in for an SMS gateway (third-party HTTP is the one thing tests fake). It records
// every request and every delivery — a message sent twice is delivered twice here, so a test sees
// a re-send; whether the caller was still there to read the answer tells a re-send after a crash
// (the gateway's answer never arrived) from one after an acknowledgement. It can answer slowly or
// fail on demand.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SmsDelivery {
  id: string;
  to: string;
  text: string;
  /** The caller read the gateway's 200; false when it hung up (killed) before the answer. */
  acknowledged: boolean;
}

export interface FakeSms {
  url: string;
  requests: { id: string; to: string; text: string }[];
  /** Every delivery in order, one per accepted request: no de-duplication. */
  deliveries: SmsDelivery[];
  slowMs: number;
  failNext: number;
  close: () => Promise<void>;
}

export async function startFakeSms(): Promise<FakeSms> {
  const fake: FakeSms = { url: '', requests: [], deliveries: [], slowMs: 0, failNext: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    let hungUp = false;
    res.on('close', () => {
      if (!res.writableFinished) hungUp = true;
    });
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
        fake.deliveries.push({ id: msg.clientMessageId, to: msg.to, text: msg.text, acknowledged: !hungUp });
        if (!hungUp) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }, fake.slowMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  fake.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake;
}
