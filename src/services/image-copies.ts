// Copies of an attached image made with sharp (prebuilt libvips): the thumbnail staff pages list and
// the public copy a resident sees. Both are re-encoded from the decoded pixels, turned upright by
// the EXIF orientation first, and carry no metadata at all (sharp writes none unless asked): no
// EXIF, no GPS, no XMP, no ICC profile beyond the sRGB conversion.
import sharp, { type Sharp } from 'sharp';
import type { BlobStore, StoredBlob } from '../storage/blob-store.js';

/** Pixels sharp refuses to decode past (a decompression bomb in a 10 MB file). */
const MAX_PIXELS = 100_000_000;
/** Decodes at once per process: each holds a whole image; the uploads themselves stream. */
const MAX_CONCURRENT = 2;

let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await fn();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

async function copyOf(blobs: BlobStore, sha256: string, shape: (img: Sharp) => Sharp): Promise<StoredBlob> {
  return limited(async () => {
    const source = await blobs.open(sha256);
    if (!source) throw new Error('blob missing');
    const img = sharp({ limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
    const out = shape(img);
    source.on('error', (err) => img.destroy(err));
    source.pipe(img);
    try {
      return await blobs.put(out);
    } finally {
      // A decode that failed half-way leaves the file open otherwise.
      source.destroy();
    }
  });
}

/** A JPEG of at most 320 × 320 px (WebP and PNG with transparency on white). */
export function makeThumbnail(blobs: BlobStore, sha256: string): Promise<StoredBlob> {
  return copyOf(blobs, sha256, (img) =>
    img.resize(320, 320, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 75, mozjpeg: true }),
  );
}

/** The public copy: at most 1600 px wide or high, JPEG, every byte of metadata left behind. */
export function makePublicCopy(blobs: BlobStore, sha256: string): Promise<StoredBlob> {
  return copyOf(blobs, sha256, (img) =>
    img.resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 85, mozjpeg: true }),
  );
}
