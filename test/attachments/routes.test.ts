// Attachments over HTTP (SPEC §17): upload, list, download, thumbnail, public switch (audited),
// the resident's public copies with no metadata left, and who may do each.
import t from 'tap';
import exifr from 'exifr';
import sharp from 'sharp';
import { json, setupApp, staffSession, type Session } from '../helpers/app.js';
import { actOk, register } from '../helpers/tickets.js';
import { jpegHeaded, jpegWithGps, multipart, pngBytes, wavBytes } from '../helpers/files.js';

const ctx = await setupApp(t);
const clerk = await staffSession(ctx, ['clerk']);
const handlerA = await staffSession(ctx, ['handler'], 'mz');
const handlerB = await staffSession(ctx, ['handler'], 'cj');
const leader = await staffSession(ctx, ['leader']);

const no = await register(ctx, clerk, {
  channel: 'phone', kind: 'help', content: '村口的路面塌了一个大坑，电动车经过很危险',
  complainant: { name: '王五', phone: '13812345678' }, villageCode: 'dongshan',
});
await actOk(ctx, clerk, no, 'assign', { departmentCode: 'mz' });

function upload(who: Session | Record<string, string>, file: Parameters<typeof multipart>[0], query = '', fields: Record<string, string> = {}) {
  const body = multipart(file, fields);
  const headers = 'headers' in who ? (who as Session).headers : (who as Record<string, string>);
  return ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/attachments${query}`, headers: { ...headers, ...body.headers }, payload: body.payload });
}

t.test('upload: the type read from the content, limits per type, SPEC §12 errors', async (t) => {
  const png = await pngBytes(640, 480);
  const ok = await upload(clerk, { content: png, filename: '材料.pdf', contentType: 'application/pdf' });
  t.equal(ok.statusCode, 201, ok.body);
  t.match(json(ok), { id: /^\d+$/, type: 'image/png', size: png.length, public: false });

  const text = await upload(clerk, { content: Buffer.from('hello, not a picture\n'.repeat(300)), filename: 'photo.jpg', contentType: 'image/jpeg' });
  t.equal(text.statusCode, 415);
  t.match(json(text), { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: /不支持的文件类型/, details: [{ path: 'file' }], requestId: /.+/ });

  const big = await upload(clerk, { content: jpegHeaded(10 * 1024 * 1024 + 10), filename: 'big.jpg' });
  t.equal(big.statusCode, 413);
  t.match(json(big), { code: 'PAYLOAD_TOO_LARGE', message: /10 MB/, details: [{ path: 'file', message: /10 MB/ }] });

  const none = await upload(clerk, null, '', { note: 'x' });
  t.equal(none.statusCode, 400);
  t.match(json(none), { code: 'VALIDATION_FAILED', details: [{ path: 'file' }] });

  const notMultipart = await ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/attachments`, headers: clerk.headers, payload: { file: 'x' } });
  t.equal(notMultipart.statusCode, 415);

  const wav = await upload(handlerA, { content: wavBytes(), filename: 'rec.wav' }, '?purpose=reply');
  t.equal(wav.statusCode, 201, wav.body);
  t.match(json(wav), { type: 'audio/wav' });

  const list = await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}/attachments`, headers: handlerA.headers });
  t.equal(list.statusCode, 200);
  t.match(json(list).items, [{ type: 'image/png', purpose: 'evidence', thumbUrl: /thumb$/ }, { type: 'audio/wav', purpose: 'reply', playable: true, thumbUrl: null }]);
});

t.test('download and thumbnail: a download, typed, nosniff', async (t) => {
  const png = await pngBytes(900, 500);
  const { id } = json(await upload(clerk, { content: png, filename: '现场照片.png' }));
  const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/attachments/${id}`, headers: handlerA.headers });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'image/png');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.match(res.headers['content-disposition'], /^attachment; filename="attachment-\d+\.png"; filename\*=UTF-8''%E7%8E%B0/);
  t.ok(res.rawPayload.equals(png), 'the same bytes back');
  const thumb = await ctx.app.inject({ method: 'GET', url: `/api/v1/attachments/${id}/thumb`, headers: leader.headers });
  t.equal(thumb.statusCode, 200);
  t.equal(thumb.headers['content-type'], 'image/jpeg');
  const meta = await sharp(thumb.rawPayload).metadata();
  t.ok(meta.width! <= 320 && meta.height! <= 320, 'thumbnail within 320 px');
});

t.test('access: another department, anonymous, unknown ids', async (t) => {
  const png = await pngBytes();
  const { id } = json(await upload(clerk, { content: png, filename: 'a.png' }));
  const other = await upload(handlerB, { content: png, filename: 'b.png' });
  t.equal(other.statusCode, 404, 'another department cannot upload');
  t.equal(json(other).code, 'TICKET_NOT_FOUND');
  for (const url of [`/api/v1/tickets/${no}/attachments`, `/api/v1/attachments/${id}`, `/api/v1/attachments/${id}/thumb`]) {
    t.equal((await ctx.app.inject({ method: 'GET', url, headers: handlerB.headers })).statusCode, 404, `${url}: another department gets 404`);
    t.equal((await ctx.app.inject({ method: 'GET', url })).statusCode, 401, `${url}: anonymous gets 401`);
  }
  const patch = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/attachments/${id}`, headers: handlerB.headers, payload: { public: true } });
  t.equal(patch.statusCode, 404);
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/v1/attachments/999999', headers: clerk.headers })).statusCode, 404);
  t.equal((await ctx.app.inject({ method: 'PATCH', url: `/api/v1/attachments/${id}`, headers: leader.headers, payload: { public: true } })).statusCode, 403, 'a leader reads, does not publish');
  const noCsrf = multipart({ content: png, filename: 'c.png' });
  const forged = await ctx.app.inject({
    method: 'POST', url: `/api/v1/tickets/${no}/attachments`, headers: { cookie: clerk.headers.cookie, ...noCsrf.headers }, payload: noCsrf.payload,
  });
  t.equal(forged.statusCode, 403, 'an API upload without the CSRF header is refused');
  // The page form carries its token as the first field; without it, or with a wrong one, 403.
  for (const fields of [{}, { _csrf: 'wrong-token' }] as Record<string, string>[]) {
    const form = multipart({ content: png, filename: 'd.png' }, fields);
    const page = await ctx.app.inject({
      method: 'POST', url: `/staff/tickets/${no}/attachments`, headers: { cookie: clerk.headers.cookie, ...form.headers }, payload: form.payload,
    });
    t.equal(page.statusCode, 403, `page upload with ${JSON.stringify(fields)}: refused`);
  }
  const form = multipart({ content: png, filename: 'e.png' }, { _csrf: clerk.csrf, purpose: 'reply' });
  const ok = await ctx.app.inject({ method: 'POST', url: `/staff/tickets/${no}/attachments`, headers: { cookie: clerk.headers.cookie, ...form.headers }, payload: form.payload });
  t.equal(ok.statusCode, 303, 'with the token: back to the ticket page');
  t.match(ok.headers.location, /att=uploaded#attachments$/);
});

t.test('public images: a copy without EXIF or GPS, shown to the verified resident only', async (t) => {
  const jpeg = await jpegWithGps();
  const before = await exifr.parse(jpeg, { gps: true, tiff: true, exif: true });
  t.ok(before?.latitude && before?.Make === 'HuiyingPhone', 'the original carries GPS and EXIF');

  const { id } = json(await upload(handlerA, { content: jpeg, filename: '办结照片.jpg' }, '?purpose=reply'));
  // Before it is public the resident's lookup shows no photo.
  const lookup = async () => json(await ctx.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${no}?verify=5678` }));
  t.same((await lookup()).photos, []);

  const patch = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/attachments/${id}`, headers: handlerA.headers, payload: { public: true } });
  t.equal(patch.statusCode, 200, patch.body);
  t.match(json(patch), { id, public: true });
  const audit = await ctx.db.pool.query("SELECT actor, action, target, data FROM audit_log WHERE action LIKE 'attachment.%'");
  t.match(audit.rows, [{ action: 'attachment.publish', target: `ticket:${no}`, data: { attachmentId: id } }], 'audited');

  const { photos } = await lookup();
  t.equal(photos.length, 1);
  const res = await ctx.app.inject({ method: 'GET', url: photos[0].url });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'image/jpeg');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  const after = await exifr.parse(res.rawPayload, true).catch(() => undefined);
  t.notOk(after, `no metadata left in the public copy (${JSON.stringify(after)})`);
  const gps = await exifr.gps(res.rawPayload).catch(() => undefined);
  t.notOk(gps, 'no GPS');
  const meta = await sharp(res.rawPayload).metadata();
  t.notOk(meta.exif, 'sharp sees no EXIF block');
  t.notOk(meta.xmp, 'nor XMP');

  // A forged or expired link, and the link once the image is private again.
  t.equal((await ctx.app.inject({ method: 'GET', url: photos[0].url.replace(/sig=[^&]+/, 'sig=AAAA') })).statusCode, 404);
  t.equal((await ctx.app.inject({ method: 'GET', url: `/api/v1/public/attachments/${id}?expires=1&sig=x` })).statusCode, 404);
  const off = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/attachments/${id}`, headers: handlerA.headers, payload: { public: false } });
  t.equal(off.statusCode, 200);
  t.equal((await ctx.app.inject({ method: 'GET', url: photos[0].url })).statusCode, 404, 'a private image is no longer served');
  t.same((await lookup()).photos, []);

  // A resident without the verification gets nothing (the lookup's one 404).
  const wrong = await ctx.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${no}?verify=0000` });
  t.equal(wrong.statusCode, 404);
  t.notOk(json(wrong).photos);

  // Only images sharp can re-encode may be public.
  const wav = json(await upload(handlerA, { content: wavBytes(), filename: 'rec.wav' }));
  const refused = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/attachments/${wav.id}`, headers: handlerA.headers, payload: { public: true } });
  t.equal(refused.statusCode, 400);
  t.match(json(refused), { code: 'VALIDATION_FAILED', details: [{ path: 'public' }] });
});
