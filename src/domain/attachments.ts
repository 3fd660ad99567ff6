// Attachments as pure rules (SPEC §17): which types are taken — read from the bytes, never the
// name —, each type's size limit, and the Chinese words a refusal uses.

export type AttachmentKind = 'image' | 'audio' | 'pdf';
export type AttachmentPurpose = 'evidence' | 'reply';
export const ATTACHMENT_PURPOSES: readonly AttachmentPurpose[] = ['evidence', 'reply'];

const MB = 1024 * 1024;

interface TypeGroup {
  kind: AttachmentKind;
  /** What a refusal calls the group, naming the formats taken. */
  label: string;
  maxBytes: number;
}

export const TYPE_GROUPS: Record<AttachmentKind, TypeGroup> = {
  image: { kind: 'image', label: '图片（JPEG、PNG、WebP、HEIC）', maxBytes: 10 * MB },
  audio: { kind: 'audio', label: '录音（AMR、MP3、M4A、WAV）', maxBytes: 20 * MB },
  pdf: { kind: 'pdf', label: 'PDF 文件', maxBytes: 20 * MB },
};

/**
 * The MIME types file-type answers for the formats taken, with the type a download is served as.
 * APNG is a PNG to every reader; `audio/mp4` is an M4A written with another brand.
 */
const ACCEPTED: Record<string, { kind: AttachmentKind; mime: string }> = {
  'image/jpeg': { kind: 'image', mime: 'image/jpeg' },
  'image/png': { kind: 'image', mime: 'image/png' },
  'image/apng': { kind: 'image', mime: 'image/png' },
  'image/webp': { kind: 'image', mime: 'image/webp' },
  'image/heic': { kind: 'image', mime: 'image/heic' },
  'image/heif': { kind: 'image', mime: 'image/heif' },
  'audio/amr': { kind: 'audio', mime: 'audio/amr' },
  'audio/mpeg': { kind: 'audio', mime: 'audio/mpeg' },
  'audio/x-m4a': { kind: 'audio', mime: 'audio/mp4' },
  'audio/mp4': { kind: 'audio', mime: 'audio/mp4' },
  'audio/wav': { kind: 'audio', mime: 'audio/wav' },
  'audio/vnd.wave': { kind: 'audio', mime: 'audio/wav' },
  'application/pdf': { kind: 'pdf', mime: 'application/pdf' },
};

export interface AcceptedType {
  kind: AttachmentKind;
  mime: string;
  maxBytes: number;
}

/** The type taken for a sniffed MIME type, or null (415). */
export function acceptedType(sniffedMime: string | undefined): AcceptedType | null {
  const hit = sniffedMime ? ACCEPTED[sniffedMime] : undefined;
  return hit ? { ...hit, maxBytes: TYPE_GROUPS[hit.kind].maxBytes } : null;
}

/** The formats a browser plays in an <audio> element (AMR plays in none). */
export function playsInBrowser(mime: string): boolean {
  return mime === 'audio/mpeg' || mime === 'audio/mp4' || mime === 'audio/wav';
}

/** Image formats sharp (prebuilt libvips) decodes: thumbnails and public copies. HEIC is not one. */
export function imageDecodable(mime: string): boolean {
  return mime === 'image/jpeg' || mime === 'image/png' || mime === 'image/webp';
}

export function megabytes(bytes: number): string {
  return `${Math.round((bytes / MB) * 10) / 10} MB`;
}

export const ATTACHMENT_MESSAGES = {
  unsupported: '不支持的文件类型：只能上传图片（JPEG、PNG、WebP、HEIC）、录音（AMR、MP3、M4A、WAV）或 PDF 文件（按文件内容识别，与文件名无关）',
  tooLarge: (kind: AttachmentKind): string => `${TYPE_GROUPS[kind].label}不能超过 ${megabytes(TYPE_GROUPS[kind].maxBytes)}`,
  empty: '文件为空',
  notPublishable: '只有 JPEG、PNG、WebP 图片可以公开（HEIC 等格式无法去除元数据后重新编码）',
} as const;

/** A name safe for a Content-Disposition header and a page: no path, no controls, ≤ 255 chars. */
export function cleanFileName(name: string | undefined | null): string | null {
  if (!name) return null;
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 255);
  return clean || null;
}

/** The extension a download is named with when the original name has none of its type. */
export const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'audio/amr': 'amr',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/wav': 'wav',
  'application/pdf': 'pdf',
};
