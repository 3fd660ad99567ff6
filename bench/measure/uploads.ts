// Attachments' memory (SPEC §17): 20 photos of about 8 MB uploaded at once to one API process.
// The uploads stream to disk (sniffed from the first bytes, never buffered whole); only thumbnails
// decode an image, two at a time. The figure is the API's RSS growth: the peak while the uploads
// run (read from /proc every 50 ms) over the RSS after a warm-up upload. Target: under 200 MB —
// buffering the bodies alone would be 160 MB, decoding 20 photos at once about 700 MB.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { rssOf, startChild } from '../lib/proc.js';
import type { BenchContext, Row } from '../lib/types.js';
import { clerkSessionOrLogin, registrationBody } from './http.js';

const PHOTOS = 20;
const LIMIT_MB = 200;

/** A multipart body with one file (the bench process holds it; the API reads it as a stream). */
function multipart(file: Buffer, name: string): { body: Buffer; type: string } {
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/jpeg\r\n\r\n`);
  return { body: Buffer.concat([head, file, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

export async function measureUploads(ctx: BenchContext): Promise<{ rows: Row[]; raw: unknown }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hybench-attachments-'));
  const api = await startChild('api.ts', { ...ctx.serverEnv, ATTACHMENT_DIR: dir, LOG_LEVEL: 'warn' });
  try {
    const base = `http://127.0.0.1:${api.ready.port as number}`;
    const session = await clerkSessionOrLogin(ctx, api.ready.port as number);
    const reg = await fetch(`${base}/api/v1/tickets`, {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/json', 'idempotency-key': `bench-upload-${Date.now()}` },
      body: registrationBody(),
    });
    if (reg.status !== 201) throw new Error(`registration: ${reg.status} ${await reg.text()}`);
    const { ticketNo } = (await reg.json()) as { ticketNo: string };

    // A phone photo's size: 4000 × 3000 px of noise at quality 84 is about 8 MB. Each upload gets
    // its own trailing bytes, so none is de-duplicated onto another.
    const photo = await sharp(randomBytes(4000 * 3000 * 3), { raw: { width: 4000, height: 3000, channels: 3 } }).jpeg({ quality: 84 }).toBuffer();
    const upload = async (i: number) => {
      const { body, type } = multipart(Buffer.concat([photo, randomBytes(16)]), `IMG_${i}.jpg`);
      const res = await fetch(`${base}/api/v1/tickets/${ticketNo}/attachments`, { method: 'POST', headers: { ...session, 'content-type': type }, body: new Uint8Array(body) });
      if (res.status !== 201) throw new Error(`upload ${i}: ${res.status} ${await res.text()}`);
    };
    await upload(0); // warm-up: sharp and the multipart parser loaded, pools open
    await new Promise((r) => setTimeout(r, 1000));
    const before = await rssOf(api.pid);
    let peak = before;
    const sampler = setInterval(() => {
      rssOf(api.pid).then((rss) => { peak = Math.max(peak, rss); }, () => undefined);
    }, 50);
    const started = Date.now();
    await Promise.all(Array.from({ length: PHOTOS }, (_, i) => upload(i + 1)));
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, await rssOf(api.pid));
    const mb = (b: number) => b / 1024 / 1024;
    const growth = mb(peak - before);
    const photoMb = mb(photo.length);
    ctx.log(`uploads: ${PHOTOS} × ${photoMb.toFixed(1)} MB in ${seconds.toFixed(1)} s; RSS ${mb(before).toFixed(0)} → peak ${mb(peak).toFixed(0)} MB (+${growth.toFixed(0)} MB)`);
    return {
      rows: [{
        id: 'upload_rss',
        figure: `API RSS growth, ${PHOTOS} concurrent ${photoMb.toFixed(0)} MB photo uploads`,
        measured: `+${growth.toFixed(0)} MB (peak ${mb(peak).toFixed(0)} MB)`,
        baseline: `${mb(before).toFixed(0)} MB`,
        ratio: null,
        target: `< ${LIMIT_MB} MB`,
        pass: growth < LIMIT_MB,
        note: `${PHOTOS} uploads of ${photoMb.toFixed(1)} MB in ${seconds.toFixed(1)} s, each with its thumbnail`,
      }],
      raw: { before, peak, seconds, photoBytes: photo.length },
    };
  } finally {
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
