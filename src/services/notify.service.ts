// Resident notifications: render the template, respect the daily cap per phone, send through the
// Notifier and record the result — exactly one row per (ticket, template, round), so a job that
// runs twice sends once.
import { renderSms } from '../domain/sms-templates.js';
import { formatTicketNo } from '../domain/ticket-number.js';
import { DAY_MS, SHANGHAI_OFFSET_MS } from '../domain/local-date.js';
import { withTx } from '../db/tx.js';
import * as tickets from '../db/tickets.repository.js';
import * as notifications from '../db/notifications.repository.js';
import type { Notifier } from './notifier.js';
import type { ServiceDeps } from './deps.js';

/** At most this many messages to one phone per Asia/Shanghai day (SMS bombing guard). */
export const DAILY_CAP_PER_PHONE = 5;

export function lookupUrl(publicBaseUrl: string, ticketNo: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/track?no=${ticketNo}`;
}

export function shanghaiDayStart(now: Date): Date {
  const local = now.getTime() + SHANGHAI_OFFSET_MS;
  return new Date(local - (local % DAY_MS) - SHANGHAI_OFFSET_MS);
}

function chineseDate(d: Date): string {
  const local = new Date(d.getTime() + SHANGHAI_OFFSET_MS);
  return `${local.getUTCFullYear()}年${local.getUTCMonth() + 1}月${local.getUTCDate()}日`;
}

export type NotifyResult = 'sent' | 'already_sent' | 'capped' | 'no_recipient' | 'unknown_template' | 'no_ticket';

export async function notifyResident(
  deps: ServiceDeps & { notifier: Notifier },
  job: { ticketId: string; template: string; round: number },
): Promise<NotifyResult> {
  const t = await tickets.findTicketById(deps.db, job.ticketId);
  if (!t) return 'no_ticket';
  const body = renderSms(job.template, {
    township: deps.config.TOWNSHIP_NAME,
    ticketNo: formatTicketNo(t.ticketNo),
    lookupUrl: lookupUrl(deps.config.PUBLIC_BASE_URL, t.ticketNo),
    accessCode: t.accessCode,
    dueDate: chineseDate(t.dueAt),
    intoTicketNo: t.mergedInto ? formatTicketNo(t.mergedInto) : null,
  });
  if (body === null) return 'unknown_template';
  const now = deps.clock.now();
  const claim = {
    ticketId: t.id,
    template: job.template,
    round: job.round,
    recipient: t.complainantPhone,
    body,
    provider: deps.notifier.name,
    status: (t.complainantPhone ? 'pending' : 'no_recipient') as notifications.NotificationRow['status'],
    now,
  };
  // The row is committed before anything is sent, so a message that keeps failing stays visible
  // ("queued" / "failed") in the ticket's notification list.
  await withTx(deps.db, (tx) => notifications.claimNotification(tx, claim));
  try {
    return await withTx(deps.db, async (tx) => {
      const row = await notifications.claimNotification(tx, claim);
      if (row.status === 'sent') return 'already_sent';
      if (row.status === 'no_recipient' || !row.recipient) return 'no_recipient';
      if (row.status === 'capped') return 'capped';
      await notifications.lockRecipient(tx, row.recipient);
      if ((await notifications.countSentToday(tx, row.recipient, shanghaiDayStart(now))) >= DAILY_CAP_PER_PHONE) {
        await notifications.setNotificationStatus(tx, row.id, 'capped', now);
        return 'capped';
      }
      // The de-duplication id must survive a crash that rolls this transaction back: derive it
      // from what the row is unique on, not from anything this attempt wrote.
      await deps.notifier.send({ id: `${t.id}-${job.template}-${job.round}`, to: row.recipient, text: row.body });
      await notifications.setNotificationStatus(tx, row.id, 'sent', now);
      return 'sent';
    });
  } catch (err) {
    // Recorded for the staff view; the queue retries with backoff and a later success wins.
    const message = err instanceof Error ? err.message : String(err);
    await withTx(deps.db, async (tx) => {
      const row = await notifications.claimNotification(tx, claim);
      if (row.status !== 'sent') await notifications.setNotificationStatus(tx, row.id, 'failed', now, message.slice(0, 200));
    });
    throw err;
  }
}
