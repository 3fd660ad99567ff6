// A local stand-in for WeCom group-robot webhooks: records every post; can fail on demand.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWeCom {
  url: (name: string) => string;
  posts: { path: string; content: string }[];
  failNext: number;
  close: () => Promise<void>;
}

export async function startFakeWeCom(): Promise<FakeWeCom> {
  const fake: FakeWeCom = { url: () => '', posts: [], failNext: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (fake.failNext > 0) {
        fake.failNext--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":45009,"errmsg":"api freq out of limit"}');
        return;
      }
      const msg = JSON.parse(body) as { msgtype: string; text: { content: string } };
      fake.posts.push({ path: req.url ?? '', content: msg.text.content });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  fake.url = (name) => `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${name}`;
  fake.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake;
}
