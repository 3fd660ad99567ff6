// Files for attachment tests, made here: real images by sharp (with EXIF and GPS when asked),
// and files that only begin like their format (enough for sniffing and size limits).
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

export function pngBytes(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();
}

/**
 * A real JPEG carrying EXIF (camera, date, author) and GPS (a point in the township), the way a
 * phone writes them.
 */
export function jpegWithGps(width = 1200, height = 900): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 30, g: 140, b: 90 } } })
    .jpeg({ quality: 80 })
    .withExif({
      IFD0: { Make: 'HuiyingPhone', Model: 'Grid-1', Artist: '张三' },
      IFD2: { DateTimeOriginal: '2026:11:25 09:30:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '30/1 15/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '120/1 10/1 0/1' },
    })
    .toBuffer();
}

/** `size` bytes starting like a JPEG (SOI + JFIF APP0), the rest noise. */
export function jpegHeaded(size: number): Buffer {
  const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
  return Buffer.concat([head, randomBytes(size - head.length)]);
}

/** `size` bytes of an AMR-NB recording's shape: the magic, then frames of silence. */
export function amrBytes(size: number): Buffer {
  const magic = Buffer.from('#!AMR\n');
  const body = Buffer.alloc(size - magic.length, 0x7c);
  return Buffer.concat([magic, body]);
}

/** `size` bytes starting like a PDF. */
export function pdfBytes(size: number): Buffer {
  const head = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  return Buffer.concat([head, Buffer.alloc(size - head.length, 0x20)]);
}

/** A short WAV (RIFF/WAVE, 8 kHz mono 16-bit PCM silence). */
export function wavBytes(samples = 8000): Buffer {
  const data = Buffer.alloc(samples * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** A multipart/form-data body: text fields first, then the file (as a browser sends a form). */
export function multipart(
  file: { content: Buffer; filename: string; contentType?: string; field?: string } | null,
  fields: Record<string, string> = {},
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----hyt${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\n` +
      `Content-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
    ));
    parts.push(file.content, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
