// The monthly public notice (SPEC §8): generate a draft (a new revision each time, the old ones
// kept), publish (idempotent; posts the WeChat text to every configured WeCom group robot), hold,
// and read — staff see the current draft, the public only the last published revision.
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DomainError, validationError } from '../domain/errors.js';
import { noticeModelFromFigures, upgradeNoticeModel, type NoticeModel } from '../domain/notice.js';
import { NOTICE_OUTPUTS, type NoticeFileFormat, type OutputContext } from '../domain/notice-outputs.js';
import { monthRange, MONTH_RE, previousMonth } from '../domain/stats.js';
import { SHANGHAI_OFFSET_MS } from '../domain/local-date.js';
import { withTx } from '../db/tx.js';
import { appendAudit } from '../db/audit.repository.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { jobs } from '../queue/jobs.js';
import type { WeComPoster } from './wecom.js';
import { listCategories, listDepartments } from '../db/catalogue.repository.js';
import * as repo from '../db/notices.repository.js';
import type { ServiceDeps } from './deps.js';
import type { Config } from '../config.js';

export interface NoticeView extends NoticeModel {
  revision: number;
  status: repo.NoticeRow['status'];
  publishedAt: string | null;
}

function checkMonth(month: string): void {
  if (!MONTH_RE.test(month)) throw validationError([{ path: 'month', message: '月份格式应为 YYYY-MM' }]);
}

export async function generateNotice(deps: ServiceDeps, actor: string, month: string, nextSteps?: string | null) {
  checkMonth(month);
  const { from, to } = monthRange(month);
  const now = deps.clock.now();
  if (from > now) throw validationError([{ path: 'month', message: '不能为尚未开始的月份生成公示' }]);
  // The figures are aggregated by PostgreSQL; only the listed tickets come out, and lean.
  const [figureRows, cases, departments, categories, existing, coHandling] = await Promise.all([
    repo.noticeFigureRows(deps.db, from, to, now),
    repo.loadNoticeCases(deps.db, from, to),
    listDepartments(deps.db),
    listCategories(deps.db),
    repo.findNotice(deps.db, month),
    repo.noticeCoHandlingRows(deps.db, from, to),
  ]);
  const model = noticeModelFromFigures({
    month,
    figureRows,
    coHandling,
    cases,
    now,
    departments,
    categories,
    nextSteps: nextSteps ?? existing?.nextSteps ?? null,
    // The township's own hotlines stay readable in the next steps (every other number is masked).
    officialNumbers: deps.config.TOWNSHIP_HOTLINES,
  });
  const revision = await withTx(deps.db, async (tx) => {
    await repo.lockNoticeMonth(tx, month);
    const r = await repo.addRevision(tx, month, model, actor, nextSteps ?? null, now);
    await appendAudit(tx, { actor, action: 'notice.generate', target: `notice:${month}`, data: { revision: r }, at: now });
    return r;
  });
  const notice = (await repo.findNotice(deps.db, month))!;
  return { month, revision, status: notice.status };
}

/** Runs fn on the month's notice under its lock; a month never generated is NOT_FOUND. */
async function withNotice<T>(deps: ServiceDeps, month: string, fn: (tx: PoolClient, n: repo.NoticeRow, now: Date) => Promise<T>): Promise<T> {
  checkMonth(month);
  const now = deps.clock.now();
  return withTx(deps.db, async (tx) => {
    await repo.lockNoticeMonth(tx, month);
    const n = await repo.findNotice(tx, month, true);
    if (!n) throw new DomainError('NOT_FOUND', `${month} 的公示尚未生成`);
    return fn(tx, n, now);
  });
}

export async function publishNotice(deps: ServiceDeps, actor: string, month: string) {
  return withNotice(deps, month, async (tx, n, now) => {
    // Publishing what is already published changes nothing and posts nothing.
    if (n.status === 'published' && n.publishedRevision === n.currentRevision) {
      return { month, revision: n.currentRevision, status: n.status, publishedAt: n.publishedAt?.toISOString() ?? null };
    }
    await repo.setNoticeState(tx, month, { status: 'published', publishedRevision: n.currentRevision, publishedAt: now, publishedBy: actor }, now);
    await appendAudit(tx, { actor, action: 'notice.publish', target: `notice:${month}`, data: { revision: n.currentRevision }, at: now });
    await enqueueOutbox(
      tx,
      deps.config.WECOM_WEBHOOK_URLS.map((_url, index) => jobs.wecom({ month, revision: n.currentRevision, webhook: index })),
      now,
    );
    const after = (await repo.findNotice(tx, month))!;
    return { month, revision: after.currentRevision, status: after.status, publishedAt: after.publishedAt?.toISOString() ?? null };
  });
}

export async function holdNotice(deps: ServiceDeps, actor: string, month: string) {
  return withNotice(deps, month, async (tx, n, now) => {
    if (n.status === 'published') throw new DomainError('CONFLICT', '公示已发布，不能暂缓');
    await repo.setNoticeState(tx, month, { status: 'held' }, now);
    await appendAudit(tx, { actor, action: 'notice.hold', target: `notice:${month}`, data: {}, at: now });
    return { month, revision: n.currentRevision, status: 'held' as const };
  });
}

async function view(deps: ServiceDeps, n: repo.NoticeRow, revision: number): Promise<NoticeView> {
  const r = await repo.findRevision(deps.db, n.month, revision);
  if (!r) throw new DomainError('NOT_FOUND', '未找到该公示');
  const publishedNow = n.publishedRevision === revision;
  return {
    ...upgradeNoticeModel(r.model, r.schemaVersion),
    revision,
    status: publishedNow ? 'published' : n.status === 'published' ? 'draft' : n.status,
    publishedAt: publishedNow ? (n.publishedAt?.toISOString() ?? null) : null,
  };
}

/** Staff: the current revision, draft or not. */
export async function staffNotice(deps: ServiceDeps, month: string): Promise<NoticeView & { revisions: number }> {
  checkMonth(month);
  const n = await repo.findNotice(deps.db, month);
  if (!n) throw new DomainError('NOT_FOUND', `${month} 的公示尚未生成`);
  return { ...(await view(deps, n, n.currentRevision)), revisions: await repo.countRevisions(deps.db, month) };
}

/** The public: the last published revision, or the same 404 as a month that has none. */
export async function publicNotice(deps: ServiceDeps, month: string): Promise<NoticeView> {
  const n = MONTH_RE.test(month) ? await repo.findNotice(deps.db, month) : null;
  if (!n || n.publishedRevision === null) throw new DomainError('NOT_FOUND', '该月公示尚未发布');
  return view(deps, n, n.publishedRevision);
}

export async function publicArchive(deps: ServiceDeps) {
  const items = await repo.listPublished(deps.db);
  return { items: items.map((n) => ({ month: n.month, revision: n.publishedRevision, publishedAt: n.publishedAt?.toISOString() ?? null })) };
}

/** A notice as the staff list shows it: the current revision's state, as `view` reads it. */
function summary(n: repo.NoticeRow) {
  return {
    month: n.month,
    revision: n.currentRevision,
    status: (n.publishedRevision === n.currentRevision ? 'published' : n.status === 'published' ? 'draft' : n.status) as NoticeView['status'],
    publishedRevision: n.publishedRevision,
    publishedAt: n.publishedAt?.toISOString() ?? null,
    updatedAt: n.updatedAt.toISOString(),
  };
}
export type NoticeSummary = ReturnType<typeof summary>;

/** Staff: every month with a notice, drafts and held ones included, newest first. */
export async function listNotices(deps: ServiceDeps): Promise<{ items: NoticeSummary[] }> {
  return { items: (await repo.listNotices(deps.db)).map(summary) };
}

/** Staff: one month's state (null when it has no notice yet). */
export async function noticeSummary(deps: ServiceDeps, month: string): Promise<NoticeSummary | null> {
  checkMonth(month);
  const n = await repo.findNotice(deps.db, month);
  return n ? summary(n) : null;
}

/** The public home: the newest published notice's headline figures, or null before the first. */
export async function latestPublishedTotals(deps: ServiceDeps) {
  const r = await repo.latestPublishedTotals(deps.db);
  return r ? { month: r.month, revision: r.revision, publishedAt: r.publishedAt?.toISOString() ?? null, totals: r.totals as NoticeModel['totals'] } : null;
}

/** What the outputs need besides the model: the township's name and hotlines, the month's page. */
function outputContext(config: Pick<Config, 'TOWNSHIP_NAME' | 'TOWNSHIP_HOTLINES' | 'PUBLIC_BASE_URL'>, month: string): OutputContext {
  return {
    township: config.TOWNSHIP_NAME,
    hotlines: config.TOWNSHIP_HOTLINES,
    pageUrl: `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}/notices/${month}`,
  };
}

/** A notice as one of its files (NOTICE_FILE_FORMATS): the body and its content type. */
export function noticeFile(deps: Pick<ServiceDeps, 'config'>, format: NoticeFileFormat, notice: NoticeView): { body: string; contentType: string } {
  const output = NOTICE_OUTPUTS[format];
  return { body: output.render(notice, outputContext(deps.config, notice.month)), contentType: output.contentType };
}

// --- WeCom group robots ---

export const urlHash = (url: string): string => createHash('sha256').update(url).digest('hex').slice(0, 16);

/**
 * Posts every part of a published revision to one webhook, each part once: a part is recorded as
 * delivered in the same transaction that posted it, so a retry resumes with the first missing part.
 */
export async function deliverToWeCom(deps: ServiceDeps, job: { month: string; revision: number; webhook: number }, post: WeComPoster = deps.wecom): Promise<number> {
  const url = deps.config.WECOM_WEBHOOK_URLS[job.webhook];
  if (!url) return 0;
  const n = await repo.findNotice(deps.db, job.month);
  if (!n) return 0;
  const notice = await view(deps, n, job.revision);
  const parts = NOTICE_OUTPUTS.wecom.render(notice, outputContext(deps.config, job.month));
  let sent = 0;
  for (let part = 0; part < parts.length; part++) {
    const key = { month: job.month, revision: job.revision, urlHash: urlHash(url), part, parts: parts.length };
    await withTx(deps.db, async (tx) => {
      if ((await repo.claimDelivery(tx, key)) === 'delivered') return;
      await post(url, parts[part]);
      await repo.markDelivered(tx, key, deps.clock.now());
      sent++;
    });
  }
  return sent;
}

// --- the monthly schedule ---

function shanghaiParts(now: Date) {
  const l = new Date(now.getTime() + SHANGHAI_OFFSET_MS);
  return { day: l.getUTCDate(), hour: l.getUTCHours() };
}

/**
 * The schedule of SPEC §8, idempotent and safe to run any number of times: from 02:00 on the 1st
 * the previous month gets a draft (unless it has a notice already); from 09:00 on the 3rd a draft
 * is published (a held or already published notice is left alone).
 */
export async function noticeTick(deps: ServiceDeps): Promise<{ generated: boolean; published: boolean }> {
  const now = deps.clock.now();
  const month = previousMonth(now);
  const { day, hour } = shanghaiParts(now);
  let generated = false;
  let published = false;
  let n = await repo.findNotice(deps.db, month);
  if (!n && (day > 1 || hour >= 2)) {
    await generateNotice(deps, 'system:schedule', month);
    generated = true;
    n = await repo.findNotice(deps.db, month);
  }
  if (n && n.status === 'draft' && n.publishedRevision === null && (day > 3 || (day === 3 && hour >= 9))) {
    await publishNotice(deps, 'system:schedule', month);
    published = true;
  }
  return { generated, published };
}
