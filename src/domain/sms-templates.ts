// The one table of messages sent to residents (SPEC §4, §3). Pure: the caller passes everything.
// Texts stay short (one SMS is 70 Chinese characters; these are at most two).

/** The signature carriers require in front of every message: the township's name (TOWNSHIP_NAME). */
export const smsSignature = (township: string): string => `【${township}】`;

export interface SmsContext {
  township: string;
  ticketNo: string; // formatted, e.g. 20261125-483920-7
  lookupUrl: string;
  accessCode: string | null;
  dueDate: string | null; // YYYY年M月D日, Asia/Shanghai
  intoTicketNo: string | null;
}

type Render = (c: SmsContext) => string;

export const SMS_TEMPLATES: Record<string, Render> = {
  registered: (c) =>
    `您反映的诉求已登记，工单号${c.ticketNo}${c.accessCode ? `，查询码${c.accessCode}` : ''}，将于${c.dueDate}前答复。查询进度：${c.lookupUrl}`,
  accepted: (c) => `您的诉求（工单号${c.ticketNo}）已由承办部门签收办理。查询进度：${c.lookupUrl}`,
  extension_approved: (c) => `您的诉求（工单号${c.ticketNo}）办理期限已延长至${c.dueDate}，我们会尽快办结。查询：${c.lookupUrl}`,
  replied: (c) => `您的诉求（工单号${c.ticketNo}）已答复，请查看答复并评价是否满意：${c.lookupUrl}`,
  rejected: (c) => `您的诉求（工单号${c.ticketNo}）经审核不予受理，原因请查看：${c.lookupUrl}`,
  merged: (c) => `您的诉求（工单号${c.ticketNo}）与相同事项合并办理，请以工单号${c.intoTicketNo}查询进度。`,
  reopened: (c) => `您的诉求（工单号${c.ticketNo}）已重新交办，我们会继续办理。查询：${c.lookupUrl}`,
};

export function renderSms(template: string, c: SmsContext): string | null {
  const render = SMS_TEMPLATES[template];
  return render ? smsSignature(c.township) + render(c) : null;
}
