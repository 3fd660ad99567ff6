// Photos and recordings of WeChat messages (SPEC §17), fetched by the workers — never during the
// callback, which has 5 s — with the platform's media API: an access token (WeCom: gettoken with
// CorpId + Secret; Official Account: token with AppId + AppSecret), cached per process until shortly
// before it expires and fetched again when the platform says it expired; then media/get, streamed
// into the attachments service as an attachment of the message. A failure the platform may get over
// throws (the queue retries with backoff); one it will not (unknown media id, a refused file) is
// recorded on the message. Tokens and the media URL never reach a log or an error text.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DomainError } from '../domain/errors.js';
import * as intake from '../db/intake.repository.js';
import { withTx } from '../db/tx.js';
import { attachFile } from './attachments.service.js';
import type { Config } from '../config.js';
import type { IntakeSource } from '../domain/wechat-message.js';
import type { ServiceDeps } from './deps.js';

const TIMEOUT_MS = 30_000;
/** Taken off the platform's expires_in (7 200 s), so a token is never used in its last minutes. */
const TOKEN_MARGIN_MS = 5 * 60_000;
/** The platform's "access token invalid / expired" errcodes: fetch a new one and try once more. */
const TOKEN_ERRCODES = new Set([40001, 40014, 42001]);
/** The media is gone (kept 3 days) or never was: retrying will not bring it back. */
const GONE_ERRCODES = new Set([40007, 46001]);

interface MediaApi {
  base: string;
  tokenUrl: string;
  cacheKey: string;
}

function apiOf(config: Config, source: IntakeSource): MediaApi | null {
  if (source === 'wecom') {
    const { WECOM_CORP_ID: id, WECOM_CORP_SECRET: secret, WECOM_API_BASE: base } = config;
    if (!id || !secret) return null;
    return { base, tokenUrl: `${base}/cgi-bin/gettoken?${new URLSearchParams({ corpid: id, corpsecret: secret })}`, cacheKey: `wecom|${base}|${id}` };
  }
  const { WECHAT_MP_APPID: id, WECHAT_MP_APPSECRET: secret, WECHAT_MP_API_BASE: base } = config;
  if (!id || !secret) return null;
  return { base, tokenUrl: `${base}/cgi-bin/token?${new URLSearchParams({ grant_type: 'client_credential', appid: id, secret })}`, cacheKey: `mp|${base}|${id}` };
}

/** Access tokens of this process (never in Redis or the database: they are credentials). */
const tokens = new Map<string, { token: string; expiresAt: number }>();

class PlatformError extends Error {
  constructor(public readonly errcode: number, message: string) {
    super(message);
  }
}

async function readJson(res: Response): Promise<{ errcode?: number; errmsg?: string; access_token?: string; expires_in?: number }> {
  return (await res.json().catch(() => ({}))) as { errcode?: number };
}

async function accessToken(deps: ServiceDeps, api: MediaApi, fresh: boolean): Promise<string> {
  const cached = tokens.get(api.cacheKey);
  const now = deps.clock.now().getTime();
  if (!fresh && cached && cached.expiresAt > now) return cached.token;
  const res = await fetch(api.tokenUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await readJson(res);
  if (!res.ok || !body.access_token || (body.errcode ?? 0) !== 0) {
    throw new PlatformError(body.errcode ?? -1, `access token: HTTP ${res.status} errcode ${body.errcode ?? '?'}`);
  }
  const ttl = Math.max((body.expires_in ?? 7200) * 1000 - TOKEN_MARGIN_MS, 0);
  tokens.set(api.cacheKey, { token: body.access_token, expiresAt: now + ttl });
  return body.access_token;
}

/** media/get: the file's response, or a PlatformError when the platform answered JSON (an error). */
async function getMedia(api: MediaApi, token: string, mediaId: string): Promise<Response> {
  const res = await fetch(`${api.base}/cgi-bin/media/get?${new URLSearchParams({ access_token: token, media_id: mediaId })}`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || type.startsWith('application/json') || type.startsWith('text/plain')) {
    const body = await readJson(res);
    throw new PlatformError(body.errcode ?? -1, `media/get: HTTP ${res.status} errcode ${body.errcode ?? '?'}`);
  }
  return res;
}

export type MediaResult = 'stored' | 'already stored' | 'nothing to fetch' | 'not configured' | 'gone' | 'refused' | 'no such message';

export async function fetchIntakeMedia(deps: ServiceDeps, messageId: string): Promise<MediaResult> {
  const [m] = await intake.messagesById(deps.db, [messageId]);
  if (!m) return 'no such message';
  if (!m.mediaId) return 'nothing to fetch';
  if (m.mediaStatus === 'stored' || (await intake.hasAttachment(deps.db, m.id))) {
    await withTx(deps.db, async (tx) => {
      await intake.linkLateAttachments(tx, m.id);
      await intake.setMediaStatus(tx, m.id, 'stored', null);
    });
    return 'already stored';
  }
  const api = apiOf(deps.config, m.source);
  if (!api) {
    await intake.setMediaStatus(deps.db, m.id, 'failed', m.source === 'wecom' ? '未配置 WECOM_CORP_SECRET，无法下载' : '未配置 WECHAT_MP_APPSECRET，无法下载');
    return 'not configured';
  }
  let res: Response;
  try {
    try {
      res = await getMedia(api, await accessToken(deps, api, false), m.mediaId);
    } catch (err) {
      if (!(err instanceof PlatformError && TOKEN_ERRCODES.has(err.errcode))) throw err;
      res = await getMedia(api, await accessToken(deps, api, true), m.mediaId);
    }
  } catch (err) {
    if (err instanceof PlatformError && GONE_ERRCODES.has(err.errcode)) {
      await intake.setMediaStatus(deps.db, m.id, 'failed', `平台已无此文件（errcode ${err.errcode}）`);
      return 'gone';
    }
    // Retried by the queue with backoff; the message says so meanwhile. No URL (it holds the token).
    const reason = err instanceof Error ? `${err.name}: ${err.message}`.replace(/access_token=[^&\s]*/g, 'access_token=…').slice(0, 200) : 'network error';
    await intake.setMediaStatus(deps.db, m.id, 'pending', reason);
    throw new Error(`WeChat media: ${reason}`);
  }
  if (!res.body) throw new Error('WeChat media: empty answer');
  try {
    await attachFile(deps, {
      target: { intakeMessageId: m.id },
      file: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      originalName: null,
      uploadedBy: null,
    });
  } catch (err) {
    if (err instanceof DomainError && (err.code === 'UNSUPPORTED_MEDIA_TYPE' || err.code === 'PAYLOAD_TOO_LARGE' || err.code === 'VALIDATION_FAILED')) {
      await intake.setMediaStatus(deps.db, m.id, 'failed', err.message.slice(0, 200));
      return 'refused';
    }
    throw err;
  }
  await withTx(deps.db, async (tx) => {
    await intake.linkLateAttachments(tx, m.id);
    await intake.setMediaStatus(tx, m.id, 'stored', null);
  });
  return 'stored';
}
