// Content-addressed file storage (SPEC §17 attachments): the bytes of a file are kept once, named
// by their SHA-256. Services see only this interface (deps.blobs); the local-disk store is the one
// built today, and an S3-compatible store can be added beside it without touching a service.
import type { Readable } from 'node:stream';

export interface StoredBlob {
  /** Lower-case hex SHA-256 of the bytes: the blob's name. */
  sha256: string;
  size: number;
}

export class BlobTooLargeError extends Error {
  override name = 'BlobTooLargeError';
  constructor(public readonly maxBytes: number) {
    super(`blob exceeds ${maxBytes} bytes`);
  }
}

export interface BlobStore {
  /**
   * Streams `source` into the store (never buffered whole) and answers its hash and size. The same
   * bytes stored twice are one blob. Past `maxBytes` it stops reading, keeps nothing and rejects
   * with BlobTooLargeError.
   */
  put(source: Readable | AsyncIterable<Uint8Array>, opts?: { maxBytes?: number }): Promise<StoredBlob>;
  /** A stream of the blob's bytes, or null when there is no such blob. */
  open(sha256: string): Promise<Readable | null>;
  has(sha256: string): Promise<boolean>;
  /** Removes the blob if present (the caller checks no row still names it). */
  remove(sha256: string): Promise<void>;
  /** Every blob with when it was last written or named again (a de-duplicated put touches it). */
  list(): AsyncIterable<{ sha256: string; modifiedAt: Date }>;
  /**
   * Removes the blob only if it was last written or touched before `before` (the collector's rule:
   * a blob being written or named again right now is young); answers whether it removed it.
   */
  removeIfOlder(sha256: string, before: Date): Promise<boolean>;
  /** Removes partial writes a crash left behind, started before `before`; answers how many. */
  pruneTemporary(before: Date): Promise<number>;
}

export function isSha256(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
