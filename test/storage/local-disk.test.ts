// The local-disk blob store (SPEC §17): content-addressed, streamed, nothing kept past the limit.
import { test } from 'tap';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { localDiskStore } from '../../src/storage/local-disk.js';

test('local-disk store: put, dedupe, open, limit, remove', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hyt-blobs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = localDiskStore(dir);
  const bytes = randomBytes(300_000);
  const sha = createHash('sha256').update(bytes).digest('hex');

  // In chunks, as an upload arrives.
  const chunks = (b: Buffer) => Readable.from([b.subarray(0, 1000), b.subarray(1000, 200_000), b.subarray(200_000)]);
  const first = await store.put(chunks(bytes));
  t.same(first, { sha256: sha, size: bytes.length });
  const again = await store.put(chunks(bytes));
  t.same(again, first, 'the same bytes are one blob');
  t.ok(await store.has(sha));
  const back = await store.open(sha);
  t.ok(back);
  t.ok((await buffer(back!)).equals(bytes), 'reads back the same bytes');
  t.same(await readdir(join(dir, 'tmp')), [], 'no temporary file left behind');

  await t.rejects(store.put(chunks(randomBytes(50_000)), { maxBytes: 40_000 }), { name: 'BlobTooLargeError', maxBytes: 40_000 });
  t.same(await readdir(join(dir, 'tmp')), [], 'an over-limit upload leaves nothing');

  t.equal(await store.open('0'.repeat(64)), null, 'an unknown hash opens nothing');
  t.equal(await store.open('../../etc/passwd'), null, 'a name that is not a hash opens nothing');
  await store.remove(sha);
  t.notOk(await store.has(sha));
});
