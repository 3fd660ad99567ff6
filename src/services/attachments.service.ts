// Attaching a file (SPEC §17): to a ticket, or to a WeChat message still waiting for triage. The
// upload is read once, as a stream: its first bytes say what it is (never the name nor the
// client's Content-Type), the rest streams into the blob store under that type's size limit. A
// refused file leaves nothing behind. Images get a thumbnail; the row is written last, under the
// blob's lock, so the blob collector never takes a file a row is about to name.
import { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import {
  ATTACHMENT_MESSAGES, acceptedType, cleanFileName, imageDecodable,
  type AttachmentPurpose,
} from '../domain/attachments.js';
import { DomainError } from '../domain/errors.js';
import { insertAttachment, lockBlobName, type AttachmentRow } from '../db/attachments.repository.js';
import { withTx } from '../db/tx.js';
import { BlobTooLargeError, type StoredBlob } from '../storage/blob-store.js';
import type { ServiceDeps } from './deps.js';
import { makeThumbnail } from './image-copies.js';

export type AttachTarget = { ticketId: string } | { intakeMessageId: string };

export interface AttachInput {
  target: AttachTarget;
  file: Readable;
  originalName?: string | null;
  /** users.id of the uploader; null for the system (media fetched from WeChat). */
  uploadedBy: string | null;
  purpose?: AttachmentPurpose;
}

/** Bytes enough for file-type to tell every accepted format (its own "reasonable" sample). */
const SNIFF_BYTES = 4100;

/**
 * Reads at least `n` bytes (or all, when shorter) and puts them back in front of the stream, so the
 * same stream then reads from its first byte. `ended`: the stream had no more.
 */
export async function peekStream(source: Readable, n: number): Promise<{ head: Buffer; ended: boolean }> {
  if (source.readableEnded) return { head: Buffer.alloc(0), ended: true };
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = (): void => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    const onData = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      length += b.length;
      if (length >= n) {
        source.pause();
        cleanup();
        const head = Buffer.concat(chunks);
        source.unshift(head);
        resolve({ head, ended: false });
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ head: Buffer.concat(chunks), ended: true });
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
  });
}

/** Reads and drops the rest of a refused upload, so the request it belongs to can be answered. */
function discard(source: Readable): void {
  if (!source.readableEnded && !source.destroyed) {
    source.on('error', () => undefined);
    source.resume();
  }
}

export async function attachFile(deps: ServiceDeps, input: AttachInput): Promise<AttachmentRow> {
  const { head, ended } = await peekStream(input.file, SNIFF_BYTES);
  if (head.length === 0) {
    throw new DomainError('VALIDATION_FAILED', ATTACHMENT_MESSAGES.empty, [{ path: 'file', message: ATTACHMENT_MESSAGES.empty }]);
  }
  const type = acceptedType((await fileTypeFromBuffer(head))?.mime);
  if (!type) {
    discard(input.file);
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', ATTACHMENT_MESSAGES.unsupported, [{ path: 'file', message: ATTACHMENT_MESSAGES.unsupported }]);
  }

  let blob: StoredBlob;
  try {
    blob = await deps.blobs.put(ended ? Readable.from([head]) : input.file, { maxBytes: type.maxBytes });
  } catch (err) {
    if (err instanceof BlobTooLargeError) {
      discard(input.file);
      const message = ATTACHMENT_MESSAGES.tooLarge(type.kind);
      throw new DomainError('PAYLOAD_TOO_LARGE', message, [{ path: 'file', message }], { limitBytes: type.maxBytes });
    }
    throw err;
  }

  let thumb: StoredBlob | null = null;
  if (type.kind === 'image' && imageDecodable(type.mime)) {
    // A file that says JPEG but does not decode is still evidence: kept, without a thumbnail.
    thumb = await makeThumbnail(deps.blobs, blob.sha256).catch((err: Error) => {
      deps.log.warn({ err: err.message, sha256: blob.sha256 }, 'attachment thumbnail failed');
      return null;
    });
  }

  const target = input.target;
  return withTx(deps.db, async (tx) => {
    for (const sha of [blob.sha256, thumb?.sha256]) {
      if (!sha) continue;
      await lockBlobName(tx, sha);
      // The collector took it between the write and this lock (it was an old, unnamed blob).
      if (!(await deps.blobs.has(sha))) throw new DomainError('SERVICE_UNAVAILABLE', '文件保存时被并发清理，请重新上传');
    }
    return insertAttachment(tx, {
      ticketId: 'ticketId' in target ? target.ticketId : null,
      intakeMessageId: 'intakeMessageId' in target ? target.intakeMessageId : null,
      purpose: input.purpose ?? 'evidence',
      kind: type.kind,
      mime: type.mime,
      sha256: blob.sha256,
      size: blob.size,
      originalName: cleanFileName(input.originalName),
      thumbSha256: thumb?.sha256 ?? null,
      uploadedBy: input.uploadedBy,
      createdAt: deps.clock.now(),
    });
  });
}
