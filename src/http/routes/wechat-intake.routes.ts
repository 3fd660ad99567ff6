// The WeChat / WeCom callbacks (SPEC §17): GET verifies the address, POST pushes a message. No
// session or key: the platform proves itself by the signature (401 otherwise). Their XML body
// parser lives in this plugin only, bounded; the answer goes out as soon as the message is stored.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_XML_BYTES, type IntakeSource } from '../../domain/wechat-message.js';
import { receiveCallback, verifyCallbackUrl } from '../../services/wechat-callback.service.js';

const param = z.string().max(2048).optional();
const callbackQuery = z.object({
  signature: param, msg_signature: param, timestamp: param, nonce: param, echostr: param, encrypt_type: param,
});

const ENDPOINTS: [string, IntakeSource, string][] = [
  ['/intake/wecom', 'wecom', '企业微信回调 (WeCom application / robot callback)'],
  ['/intake/wechat-mp', 'wechat_mp', '公众号消息推送 (Official Account message push)'],
];

const routes: FastifyPluginAsyncZod = async (app) => {
  app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string', bodyLimit: MAX_XML_BYTES }, (_request, body, done) => done(null, body));

  for (const [path, source, summary] of ENDPOINTS) {
    app.get(path, { schema: { tags: ['intake'], summary: `${summary}: URL verification`, querystring: callbackQuery } }, async (request, reply) =>
      reply.type('text/plain; charset=utf-8').send(verifyCallbackUrl(app.deps.config, source, request.query)),
    );
    app.post(path, { bodyLimit: MAX_XML_BYTES, schema: { tags: ['intake'], summary, querystring: callbackQuery } }, async (request, reply) => {
      await receiveCallback(app.deps, source, request.query, request.body);
      // The Official Account wants "success" (else it tells the user the account is unavailable);
      // WeCom takes an empty answer as "received, no passive reply".
      return reply.type('text/plain; charset=utf-8').send(source === 'wechat_mp' ? 'success' : '');
    });
  }
};

export default routes;
