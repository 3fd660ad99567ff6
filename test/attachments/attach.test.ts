// The attach service (SPEC §17): the type read from the bytes, never the name; each type's size
// limit; nothing stored on a refusal; a thumbnail for images; the row through the repository.
import { test } from 'tap';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { attachFile, peekStream } from '../../src/services/attachments.service.js';
import { findTicketByNo } from '../../src/db/tickets.repository.js';
import { attachmentsOfTicket } from '../../src/db/attachments.repository.js';
import { setupApp, staffSession, type TestContext } from '../helpers/app.js';
import { register } from '../helpers/tickets.js';
import { amrBytes, jpegHeaded, pdfBytes, pngBytes } from '../helpers/files.js';

/** The blob files kept (temporary files left out). */
async function blobFiles(ctx: TestContext): Promise<string[]> {
  const dir = ctx.deps.config.ATTACHMENT_DIR;
  const all = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return all.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).filter((p) => !p.startsWith('tmp'));
}

/** A stream that arrives in small pieces, as a slow upload does. */
function trickle(bytes: Buffer, piece = 700): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) parts.push(bytes.subarray(i, i + piece));
  return Readable.from(parts);
}

test('attach: sniffed type, limits per type, nothing kept on refusal, thumbnails', async (t) => {
  const ctx = await setupApp(t);
  const clerk = await staffSession(ctx, ['clerk']);
  const no = await register(ctx, clerk, { channel: 'walk_in', kind: 'help', content: '路灯坏了好几天了，晚上走路看不见' });
  const ticket = (await findTicketByNo(ctx.deps.db, no))!;
  const target = { ticketId: ticket.id };

  // A PNG named .pdf is a PNG; it gets a thumbnail. It arrives in pieces smaller than the sniff.
  const png = await pngBytes(800, 600);
  const a = await attachFile(ctx.deps, { target, file: trickle(png), originalName: 'scan.pdf', uploadedBy: null });
  t.match(a, { kind: 'image', mime: 'image/png', size: png.length, originalName: 'scan.pdf', purpose: 'evidence', public: false });
  t.ok(a.thumbSha256, 'an image gets a thumbnail');
  t.ok(await ctx.deps.blobs.has(a.sha256));

  // Text named .jpg: 415, nothing stored.
  const before = await blobFiles(ctx);
  await t.rejects(
    attachFile(ctx.deps, { target, file: Readable.from([Buffer.from('这不是图片，只是一段文字。'.repeat(500))]), originalName: 'photo.jpg', uploadedBy: null }),
    { code: 'UNSUPPORTED_MEDIA_TYPE', message: /JPEG/ },
  );
  // An image over 10 MB: 413 naming the limit, nothing stored.
  await t.rejects(
    attachFile(ctx.deps, { target, file: trickle(jpegHeaded(10 * 1024 * 1024 + 1), 64 * 1024), originalName: 'big.jpg', uploadedBy: null }),
    { code: 'PAYLOAD_TOO_LARGE', message: /图片.*不能超过 10 MB/ },
  );
  // A recording may be larger than an image may, up to 20 MB.
  const amr = amrBytes(12 * 1024 * 1024);
  const b = await attachFile(ctx.deps, { target, file: trickle(amr, 64 * 1024), originalName: 'voice', uploadedBy: null, purpose: 'evidence' });
  t.match(b, { kind: 'audio', mime: 'audio/amr', size: amr.length, thumbSha256: null });
  await t.rejects(
    attachFile(ctx.deps, { target, file: trickle(amrBytes(20 * 1024 * 1024 + 1), 64 * 1024), originalName: 'long.amr', uploadedBy: null }),
    { code: 'PAYLOAD_TOO_LARGE', message: /录音.*不能超过 20 MB/ },
  );
  await t.rejects(
    attachFile(ctx.deps, { target, file: trickle(pdfBytes(20 * 1024 * 1024 + 1), 64 * 1024), originalName: 'a.pdf', uploadedBy: null }),
    { code: 'PAYLOAD_TOO_LARGE', message: /PDF.*不能超过 20 MB/ },
  );
  const after = await blobFiles(ctx);
  t.same(after.filter((f) => !before.includes(f)).map((f) => f.split('/').pop()), [b.sha256], 'only the accepted recording was added');

  // A PDF shorter than the sniff sample; the purpose 'reply' (a handler's 办结 file).
  const pdf = pdfBytes(900);
  const c = await attachFile(ctx.deps, { target, file: Readable.from([pdf]), originalName: '../../etc/回复.pdf', uploadedBy: null, purpose: 'reply' });
  t.match(c, { kind: 'pdf', mime: 'application/pdf', size: 900, purpose: 'reply', originalName: '回复.pdf' });

  // An empty file is refused as such.
  await t.rejects(attachFile(ctx.deps, { target, file: Readable.from([]), originalName: 'x', uploadedBy: null }), { code: 'VALIDATION_FAILED' });

  const rows = await attachmentsOfTicket(ctx.deps.db, ticket.id);
  t.same(rows.map((r) => r.id), [a.id, b.id, c.id], 'three rows, in order');
});

test('peekStream: the peeked bytes are read again', async (t) => {
  const bytes = Buffer.from('0123456789'.repeat(1000));
  const s = trickle(bytes, 3);
  const { head, ended } = await peekStream(s, 100);
  t.ok(head.length >= 100);
  t.notOk(ended);
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  t.ok(Buffer.concat(chunks).equals(bytes));
});

test('attach: an image that does not decode is kept, without a thumbnail', async (t) => {
  const ctx = await setupApp(t);
  const clerk = await staffSession(ctx, ['clerk']);
  const no = await register(ctx, clerk, { channel: 'walk_in', kind: 'help', content: '桥头的护栏断了，小孩上学经过很危险' });
  const ticket = (await findTicketByNo(ctx.deps.db, no))!;
  // JPEG's first bytes, then noise: sniffed as a JPEG, but libvips cannot decode it.
  const row = await attachFile(ctx.deps, { target: { ticketId: ticket.id }, file: Readable.from([jpegHeaded(50_000)]), originalName: 'broken.jpg', uploadedBy: null });
  t.match(row, { kind: 'image', mime: 'image/jpeg', thumbSha256: null });
  t.ok(await ctx.deps.blobs.has(row.sha256), 'the bytes are kept as evidence');
});
