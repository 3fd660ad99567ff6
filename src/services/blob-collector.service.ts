// Removing blobs no attachment row names any more (SPEC §17: a deleted ticket or a retention run
// takes its files along; the rows go by ON DELETE CASCADE, the bytes here). A blob younger than a
// day is left alone whatever the rows say — it may be being written, or named again by an upload
// that de-duplicated onto it, whose row is not committed yet. The last check and the removal run
// under the blob's advisory lock, which the attach service takes before writing its row: whoever
// comes second sees the other's work.
import { blobNamed, lockBlobName, namedBlobs } from '../db/attachments.repository.js';
import { withTx } from '../db/tx.js';
import type { ServiceDeps } from './deps.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 500;

export async function collectBlobs(deps: Pick<ServiceDeps, 'db' | 'clock' | 'blobs'>): Promise<{ blobsRemoved: number; blobTemporaryRemoved: number }> {
  const before = new Date(deps.clock.now().getTime() - DAY_MS);
  let blobsRemoved = 0;
  let batch: string[] = [];
  const sweep = async (): Promise<void> => {
    const named = await namedBlobs(deps.db, batch);
    for (const sha of batch) {
      if (named.has(sha)) continue;
      const removed = await withTx(deps.db, async (tx) => {
        await lockBlobName(tx, sha);
        if (await blobNamed(tx, sha)) return false;
        return deps.blobs.removeIfOlder(sha, before);
      });
      if (removed) blobsRemoved += 1;
    }
    batch = [];
  };
  for await (const blob of deps.blobs.list()) {
    if (blob.modifiedAt.getTime() >= before.getTime()) continue;
    batch.push(blob.sha256);
    if (batch.length >= BATCH) await sweep();
  }
  await sweep();
  return { blobsRemoved, blobTemporaryRemoved: await deps.blobs.pruneTemporary(before) };
}
