// The local-disk BlobStore: <dir>/<aa>/<bb>/<sha256>. A blob is written to <dir>/tmp first while
// its hash is computed, then renamed into place (atomic on one file system), so a reader never
// sees half a file and a crash leaves only a temporary file behind.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobTooLargeError, isSha256, type BlobStore, type StoredBlob } from './blob-store.js';

/** The two-hex-digit fan-out directories under `path`. */
async function subdirs(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name)).map((e) => e.name).sort();
}

export function localDiskStore(dir: string): BlobStore {
  const pathOf = (sha256: string): string => {
    if (!isSha256(sha256)) throw new Error('not a SHA-256 blob name');
    return join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  const exists = async (path: string): Promise<boolean> => {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  };

  const touch = async (path: string): Promise<boolean> => {
    try {
      const now = new Date();
      await utimes(path, now, now);
      return true;
    } catch {
      return false;
    }
  };

  return {
    async put(source, opts = {}): Promise<StoredBlob> {
      const tmpDir = join(dir, 'tmp');
      await mkdir(tmpDir, { recursive: true });
      const tmp = join(tmpDir, randomUUID());
      const hash = createHash('sha256');
      let size = 0;
      const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > max) return done(new BlobTooLargeError(max));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(source, meter, createWriteStream(tmp, { mode: 0o640 }));
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      const sha256 = hash.digest('hex');
      const target = pathOf(sha256);
      // An existing blob is touched: the collector leaves blobs younger than a day alone, so one
      // named again now is not taken before its new row is written.
      if (await touch(target)) {
        await rm(tmp, { force: true });
      } else {
        await mkdir(join(target, '..'), { recursive: true });
        await rename(tmp, target);
      }
      return { sha256, size };
    },
    async open(sha256): Promise<Readable | null> {
      if (!isSha256(sha256)) return null;
      const path = pathOf(sha256);
      if (!(await exists(path))) return null;
      return createReadStream(path);
    },
    async has(sha256) {
      return isSha256(sha256) && exists(pathOf(sha256));
    },
    async remove(sha256) {
      if (isSha256(sha256)) await rm(pathOf(sha256), { force: true });
    },
    async *list() {
      // <dir>/<aa>/<bb>/<sha256>, read a directory at a time (never the whole tree in memory).
      for (const a of await subdirs(dir)) {
        for (const b of await subdirs(join(dir, a))) {
          const leaf = await opendir(join(dir, a, b)).catch(() => null);
          if (!leaf) continue;
          for await (const entry of leaf) {
            if (!entry.isFile() || !isSha256(entry.name)) continue;
            const s = await stat(join(dir, a, b, entry.name)).catch(() => null);
            if (s) yield { sha256: entry.name, modifiedAt: s.mtime };
          }
        }
      }
    },
    async removeIfOlder(sha256, before) {
      if (!isSha256(sha256)) return false;
      const path = pathOf(sha256);
      const s = await stat(path).catch(() => null);
      if (!s || s.mtime.getTime() >= before.getTime()) return false;
      await rm(path, { force: true });
      return true;
    },
    async pruneTemporary(before) {
      const tmpDir = join(dir, 'tmp');
      let removed = 0;
      for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
        const s = await stat(join(tmpDir, name)).catch(() => null);
        if (s && s.mtime.getTime() < before.getTime()) {
          await rm(join(tmpDir, name), { force: true });
          removed += 1;
        }
      }
      return removed;
    },
  };
}
