// Blobs no row names any more go (SPEC §17: a deleted ticket's files); a blob named by another
// row, a blob younger than a day and a blob being named right now stay; crash leftovers go.
import t from 'tap';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { attachFile } from '../../src/services/attachments.service.js';
import { collectBlobs } from '../../src/services/blob-collector.service.js';
import { housekeeping } from '../../src/services/housekeeping.service.js';
import { setAttachmentPublic } from '../../src/services/attachment-access.service.js';
import { findTicketByNo } from '../../src/db/tickets.repository.js';
import { setupApp, staffSession } from '../helpers/app.js';
import { register } from '../helpers/tickets.js';
import { pngBytes } from '../helpers/files.js';

const DAY = 24 * 60 * 60 * 1000;
const ctx = await setupApp(t);
const clerk = await staffSession(ctx, ['clerk']);
const dir = ctx.deps.config.ATTACHMENT_DIR;
const pathOf = (sha: string) => join(dir, sha.slice(0, 2), sha.slice(2, 4), sha);
/** Makes a blob look written `ago` ms before the (test) clock's now. */
const age = (sha: string, ago: number) => {
  const at = new Date(ctx.clock.now().getTime() - ago);
  return utimes(pathOf(sha), at, at);
};

async function ticketWith(bytes: Buffer) {
  const no = await register(ctx, clerk, { channel: 'walk_in', kind: 'help', content: `村道边的排水沟堵了，一下雨就积水（${bytes.length}）` });
  const ticket = (await findTicketByNo(ctx.deps.db, no))!;
  const row = await attachFile(ctx.deps, { target: { ticketId: ticket.id }, file: Readable.from([bytes]), originalName: 'a.png', uploadedBy: null });
  return { ticket, row };
}

t.test('unnamed old blobs go; named, young ones stay', async (t) => {
  const shared = await pngBytes(300, 200);
  const gone = await ticketWith(shared);
  const staffRow = { userId: '0', username: 'clerk', roles: ['clerk' as const], departmentCode: null };
  const pub = await setAttachmentPublic(ctx.deps, staffRow, gone.row.id, true);
  t.ok(pub.public);
  const withPublic = (await ctx.db.pool.query('SELECT public_sha256 FROM attachments WHERE id = $1', [gone.row.id])).rows[0].public_sha256 as string;
  const kept = await ticketWith(shared); // the same bytes on another ticket: one blob, named twice
  const other = await ticketWith(await pngBytes(200, 300));
  const young = await ctx.deps.blobs.put(Readable.from([Buffer.from('%PDF-1.4 a file written a minute ago, not yet named')]));

  // The first ticket's rows go (the ticket deleted: its attachments follow by ON DELETE CASCADE).
  await ctx.db.pool.query('DELETE FROM attachments WHERE ticket_id = $1', [gone.ticket.id]);
  for (const sha of [gone.row.sha256, gone.row.thumbSha256!, withPublic, other.row.sha256, other.row.thumbSha256!]) await age(sha, 3 * DAY);
  await age(young.sha256, 60 * 60 * 1000);
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await writeFile(join(dir, 'tmp', 'crashed-upload'), 'half a file');
  await utimes(join(dir, 'tmp', 'crashed-upload'), new Date(ctx.clock.now().getTime() - 2 * DAY), new Date(ctx.clock.now().getTime() - 2 * DAY));

  const result = await housekeeping(ctx.deps);
  t.match(result, { blobsRemoved: 1, blobTemporaryRemoved: 1 }, 'the deleted row\'s public copy, and the crash leftover');
  t.notOk(await ctx.deps.blobs.has(withPublic), 'the deleted row\'s public copy is gone');
  t.ok(await ctx.deps.blobs.has(gone.row.sha256), 'the original stays: another ticket names the same bytes');
  t.ok(await ctx.deps.blobs.has(kept.row.thumbSha256!), 'and its thumbnail (the same bytes again)');
  t.ok(await ctx.deps.blobs.has(other.row.sha256), 'a named old blob stays');
  t.ok(await ctx.deps.blobs.has(young.sha256), 'an unnamed blob younger than a day stays');

  // Once nothing names it and it is old, the young one goes too; the kept ticket's files stay.
  await age(young.sha256, 2 * DAY);
  t.match(await collectBlobs(ctx.deps), { blobsRemoved: 1 });
  t.notOk(await ctx.deps.blobs.has(young.sha256));
  t.ok(await ctx.deps.blobs.has(kept.row.sha256));
});

t.test('a blob named again right now is not taken', async (t) => {
  const bytes = await pngBytes(123, 45);
  const orphan = await ctx.deps.blobs.put(Readable.from([bytes]));
  await age(orphan.sha256, 3 * DAY);
  // An upload of the same bytes de-duplicates onto it: the put touches it, so it is young again.
  const { row } = await ticketWith(bytes);
  t.equal(row.sha256, orphan.sha256);
  await collectBlobs(ctx.deps);
  t.ok(await ctx.deps.blobs.has(orphan.sha256), 'kept (named now)');
  await ctx.db.pool.query('DELETE FROM attachments WHERE id = $1', [row.id]);
  await age(orphan.sha256, 0);
  await collectBlobs(ctx.deps);
  t.ok(await ctx.deps.blobs.has(orphan.sha256), 'unnamed but touched just now: kept for a day');
});
