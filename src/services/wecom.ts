// Posting a text to a WeCom group robot (the notice's delivery, SPEC §8). Built once by the
// composition root (src/runtime.ts) and passed in deps, so tests can stand a fake in its place.

export type WeComPoster = (url: string, content: string) => Promise<void>;

export async function postToWeCom(url: string, content: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msgtype: 'text', text: { content } }),
    signal: AbortSignal.timeout(10_000),
  });
  // The robot answers 200 with { errcode } — non-zero is a failure too.
  const body = (await res.json().catch(() => ({}))) as { errcode?: number };
  if (!res.ok || (body.errcode ?? 0) !== 0) throw new Error(`WeCom webhook answered HTTP ${res.status} errcode ${body.errcode ?? '?'}`);
}
