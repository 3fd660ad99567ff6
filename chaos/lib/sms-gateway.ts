// The fake SMS gateway the system under test sends to (SMS_PROVIDER=http). It speaks the protocol
// of src/services/notifier.ts: POST { clientMessageId, to, text } with an Idempotency-Key header,
// any 2xx is success. Every request is recorded when its body has arrived — that is when a real
// gateway hands the message on, whether or not the sender lives to read the answer. Like a real
// gateway (and as the README's contract expects) it de-duplicates on the Idempotency-Key: a repeat
// is recorded and answered 200 but marked `repeat` and not delivered again. The harness's SMS
// figures are computed from these records, never from the system's own notification rows.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './cleanup.js';

export interface SmsRequest {
  at: number;
  key: string;
  to: string;
  text: string;
  /** The key was already delivered: a de-duplicating gateway drops this one. */
  repeat: boolean;
}

export interface SmsGateway {
  url: string;
  /** Every request received, in order. */
  requests: SmsRequest[];
  /** Requests whose answer is still being held back (see `delayMs`). */
  inFlight(): number;
  /** Hold every answer this long (a slow gateway: lets a kill land mid-send). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startSmsGateway(): Promise<SmsGateway> {
  const seen = new Set<string>();
  let pending = 0;
  const gw: SmsGateway = { url: '', requests: [], inFlight: () => pending, delayMs: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let msg: { clientMessageId?: string; to?: string; text?: string };
      try {
        msg = JSON.parse(body);
      } catch {
        res.writeHead(400).end('bad json');
        return;
      }
      const key = String(req.headers['idempotency-key'] ?? msg.clientMessageId ?? '');
      gw.requests.push({ at: Date.now(), key, to: String(msg.to ?? ''), text: String(msg.text ?? ''), repeat: seen.has(key) });
      seen.add(key);
      pending++;
      setTimeout(() => {
        pending--;
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }, gw.delayMs);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gw.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  gw.close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  onCleanup('fake SMS gateway', () => {
    server.closeAllConnections();
    server.close();
  });
  return gw;
}
