// Who reads attachments, and how (SPEC §17): staff who can see the ticket list, upload, download
// and mark images public (audited); residents see only the public copies of a ticket's public
// images, through links the verified lookup hands out (signed, short-lived), so the verification
// itself never travels in an address.
import type { Readable } from 'node:stream';
import {
  ATTACHMENT_MESSAGES, imageDecodable, playsInBrowser, type AttachmentPurpose,
} from '../domain/attachments.js';
import { can } from '../domain/capabilities.js';
import { DomainError } from '../domain/errors.js';
import { canSee } from '../domain/ticket-rules.js';
import * as repo from '../db/attachments.repository.js';
import { appendAudit } from '../db/audit.repository.js';
import * as tickets from '../db/tickets.repository.js';
import { withTx } from '../db/tx.js';
import { attachFile } from './attachments.service.js';
import type { ServiceDeps } from './deps.js';
import { makePublicCopy } from './image-copies.js';
import { openVariant, type Download } from './public-photos.service.js';
import { parseTicketNoOrThrow } from './public-lookup.service.js';
import { domainActor, type StaffIdentity } from './tickets.query.service.js';

/** What staff see of an attachment (lists, the upload's answer, the ticket page). */
export function attachmentView(a: repo.AttachmentRow) {
  return {
    id: a.id,
    type: a.mime,
    kind: a.kind,
    size: a.size,
    public: a.public,
    purpose: a.purpose,
    name: a.originalName,
    uploadedBy: a.uploadedByName,
    createdAt: a.createdAt.toISOString(),
    url: `/api/v1/attachments/${a.id}`,
    thumbUrl: a.thumbSha256 ? `/api/v1/attachments/${a.id}/thumb` : null,
    playable: a.kind === 'audio' && playsInBrowser(a.mime),
    publishable: a.kind === 'image' && imageDecodable(a.mime),
  };
}
export type AttachmentView = ReturnType<typeof attachmentView>;

async function visibleTicket(deps: ServiceDeps, staff: StaffIdentity, ticketNoInput: string): Promise<tickets.TicketRow> {
  const t = await tickets.findTicketByNo(deps.db, parseTicketNoOrThrow(ticketNoInput));
  if (!t || !canSee(t, domainActor(staff))) throw new DomainError('TICKET_NOT_FOUND');
  return t;
}

/** The attachment and its ticket when the staff member can see that ticket; else the one 404. */
async function visibleAttachment(deps: ServiceDeps, staff: StaffIdentity, id: string): Promise<repo.AttachmentRow> {
  const a = await repo.attachmentById(deps.db, id);
  if (a) {
    if (a.ticketId) {
      const t = await tickets.findTicketById(deps.db, a.ticketId);
      if (t && canSee(t, domainActor(staff))) return a;
    } else if (can(staff.roles, 'triageIntake')) {
      // A WeChat message's file, not yet on a ticket: the triage staff's.
      return a;
    }
  }
  throw new DomainError('NOT_FOUND', '未找到该附件');
}

export async function uploadTicketAttachment(
  deps: ServiceDeps, staff: StaffIdentity, ticketNo: string,
  upload: { file: Readable; filename: string | null; purpose?: AttachmentPurpose },
): Promise<AttachmentView> {
  const t = await visibleTicket(deps, staff, ticketNo);
  const row = await attachFile(deps, {
    target: { ticketId: t.id }, file: upload.file, originalName: upload.filename, uploadedBy: staff.userId, purpose: upload.purpose,
  });
  return attachmentView(row);
}

export async function listTicketAttachments(deps: ServiceDeps, staff: StaffIdentity, ticketNo: string): Promise<AttachmentView[]> {
  const t = await visibleTicket(deps, staff, ticketNo);
  return (await repo.attachmentsOfTicket(deps.db, t.id)).map(attachmentView);
}

/** Attachments of a ticket already found visible (the ticket page reads them beside the ticket). */
export async function attachmentsOfVisibleTicket(deps: ServiceDeps, ticketId: string): Promise<AttachmentView[]> {
  return (await repo.attachmentsOfTicket(deps.db, ticketId)).map(attachmentView);
}

export async function downloadAttachment(deps: ServiceDeps, staff: StaffIdentity, id: string, variant: 'original' | 'thumb'): Promise<Download> {
  return openVariant(deps, await visibleAttachment(deps, staff, id), variant);
}

/**
 * Marks an image public or private (audited). Public images get a re-encoded copy without any
 * metadata, made once; only that copy is ever shown to residents.
 */
export async function setAttachmentPublic(
  deps: ServiceDeps, staff: StaffIdentity & { displayName?: string }, id: string, pub: boolean,
): Promise<AttachmentView> {
  const a = await visibleAttachment(deps, staff, id);
  if (!can(staff.roles, 'publishAttachments')) throw new DomainError('FORBIDDEN');
  if (pub && !(a.kind === 'image' && imageDecodable(a.mime))) {
    throw new DomainError('VALIDATION_FAILED', ATTACHMENT_MESSAGES.notPublishable, [{ path: 'public', message: ATTACHMENT_MESSAGES.notPublishable }]);
  }
  if (pub && !a.ticketId) {
    throw new DomainError('VALIDATION_FAILED', '附件登记到工单后才能公开', [{ path: 'public', message: '附件登记到工单后才能公开' }]);
  }
  const copy = pub && !a.publicSha256 ? await makePublicCopy(deps.blobs, a.sha256) : null;
  const now = deps.clock.now();
  await withTx(deps.db, async (tx) => {
    const locked = await repo.lockAttachment(tx, a.id);
    if (!locked) throw new DomainError('NOT_FOUND', '未找到该附件');
    if (copy) {
      await repo.lockBlobName(tx, copy.sha256);
      if (!(await deps.blobs.has(copy.sha256))) throw new DomainError('SERVICE_UNAVAILABLE', '公开副本保存时被并发清理，请重试');
    }
    if (locked.public === pub && (!pub || locked.publicSha256)) return;
    await repo.setAttachmentPublic(tx, a.id, pub, copy?.sha256 ?? null);
    const ticket = a.ticketId ? await tickets.findTicketById(tx, a.ticketId) : null;
    await appendAudit(tx, {
      actor: `user:${staff.username}`,
      action: pub ? 'attachment.publish' : 'attachment.unpublish',
      target: ticket ? `ticket:${ticket.ticketNo}` : `attachment:${a.id}`,
      data: { attachmentId: a.id },
      at: now,
    });
  });
  return attachmentView((await repo.attachmentById(deps.db, a.id))!);
}
