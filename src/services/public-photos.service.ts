// What a resident sees of attachments (SPEC §17): only the public copies (metadata stripped) of a
// ticket's public images, through links the verified lookup hands out — signed and short-lived —
// so the verification itself never travels in an address and each picture is not a lookup.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import * as repo from '../db/attachments.repository.js';
import type { Readable } from 'node:stream';
import { EXTENSIONS } from '../domain/attachments.js';
import type { ServiceDeps } from './deps.js';

export interface Download {
  stream: Readable;
  mime: string;
  size: number | null;
  filename: string;
}

function downloadName(a: repo.AttachmentRow, variant: string): string {
  const ext = variant === 'original' ? EXTENSIONS[a.mime] ?? 'bin' : 'jpg';
  const base = a.originalName?.replace(/\.[^.]*$/, '') || `附件${a.id}`;
  return variant === 'original' ? `${base}.${ext}` : `${base}-${variant === 'thumb' ? '缩略图' : '公开'}.${ext}`;
}

export async function openVariant(deps: ServiceDeps, a: repo.AttachmentRow, variant: 'original' | 'thumb' | 'public'): Promise<Download> {
  const sha = variant === 'original' ? a.sha256 : variant === 'thumb' ? a.thumbSha256 : a.publicSha256;
  const stream = sha ? await deps.blobs.open(sha) : null;
  if (!stream) throw new DomainError('NOT_FOUND', variant === 'thumb' ? '该附件没有缩略图' : '未找到该附件');
  return {
    stream,
    mime: variant === 'original' ? a.mime : 'image/jpeg',
    size: variant === 'original' ? a.size : null,
    filename: downloadName(a, variant),
  };
}

/** How long a photo link handed out by a verified lookup works. */
const PHOTO_LINK_MS = 60 * 60 * 1000;
/** Without SESSION_SECRET the links are signed under a key of this process (they then work only here). */
const processKey = randomBytes(32);

function photoKey(deps: ServiceDeps): Buffer | string {
  return deps.config.SESSION_SECRET ? `attachment-link:${deps.config.SESSION_SECRET}` : processKey;
}

function photoSignature(deps: ServiceDeps, id: string, expires: number): string {
  return createHmac('sha256', photoKey(deps)).update(`${id}.${expires}`).digest('base64url');
}

/**
 * The public photos of a ticket a resident has just been verified for: addresses that carry a
 * signature instead of the verification.
 */
export async function publicPhotos(deps: ServiceDeps, ticketId: string): Promise<{ url: string }[]> {
  const expires = deps.clock.now().getTime() + PHOTO_LINK_MS;
  return (await repo.publicImagesOfTicket(deps.db, ticketId)).map((a) => ({
    url: `/api/v1/public/attachments/${a.id}?expires=${expires}&sig=${photoSignature(deps, a.id, expires)}`,
  }));
}

/** The public copy behind a signed link; the one 404 for a bad, old or withdrawn link. */
export async function openPublicPhoto(deps: ServiceDeps, id: string, expires: string, sig: string): Promise<Download> {
  const notFound = new DomainError('NOT_FOUND', '图片不存在或链接已过期，请重新查询');
  const exp = Number(expires);
  if (!/^\d{1,18}$/.test(id) || !Number.isSafeInteger(exp) || exp < deps.clock.now().getTime()) throw notFound;
  const want = Buffer.from(photoSignature(deps, id, exp));
  const given = Buffer.from(sig);
  if (want.length !== given.length || !timingSafeEqual(want, given)) throw notFound;
  const a = await repo.attachmentById(deps.db, id);
  if (!a || !a.public || !a.publicSha256) throw notFound;
  return openVariant(deps, a, 'public');
}
