// The monthly notice (SPEC §8): every figure of a hand-built month checked against a hand
// computation, the "<3" cells, the confidential ticket counted but never listed, the WeChat text,
// the CSV, WeCom parts — and, over generated months, no personal data in any output.

import t, { type Test } from 'tap';
import fc from 'fast-check';
import { buildNoticeModel, type NoticeInput, type NoticeTicket } from '../../src/domain/notice.js';
import { noticeCsv, noticeText, splitForWeCom } from '../../src/domain/notice-outputs.js';
import { containsPersonalData } from '../../src/domain/masking.js';
import { formatTicketNo, generateTicketNo } from '../../src/domain/ticket-number.js';
import { CHANNELS, KINDS } from '../../src/domain/sla.js';
import { OUTCOMES, SATISFACTIONS, TICKET_STATUSES } from '../../src/domain/ticket-rules.js';
import { holds, piiItemArb, piiTextArb } from '../helpers/pii-arbitraries.js';

/** Asia/Shanghai wall time → instant. */
/** SPEC §18: no ticket of these months was screened (甄别). */
const NONE_SCREENED = { unreasonable: 0, repeated: 0, outside_scope: 0, legal_process: 0, other: 0 };
const at = (local: string): Date => new Date(`${local}+08:00`);
const endOf = (day: string): Date => at(`${day}T23:59:59`);
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

const DEPARTMENTS = [
  { code: 'mz', name: '民政办', kind: 'office' },
  { code: 'cj', name: '村镇建设办', kind: 'office' },
  { code: 'sw', name: '水务站', kind: 'office' },
  { code: 'hb', name: '生态环境办', kind: 'office' },
  { code: 'zz', name: '综治中心', kind: 'office' },
  { code: 'dongshan', name: '东山村', kind: 'village' },
  { code: 'xihe', name: '西河村', kind: 'village' },
  { code: 'nanling', name: '南岭村', kind: 'village' },
  { code: 'beiyuan', name: '北苑社区', kind: 'village' },
];
const CATEGORIES = [
  { code: 'dibao', name: '低保特困救助' },
  { code: 'road', name: '道路桥梁与路灯' },
  { code: 'drinking_water', name: '饮水供水' },
  { code: 'sanitation', name: '环境卫生' },
  { code: 'dispute', name: '矛盾纠纷调解' },
  { code: 'other', name: '其他' },
];

function ticket(random6: string, t: Partial<NoticeTicket> & Pick<NoticeTicket, 'receivedAt' | 'dueAt'>): NoticeTicket {
  return {
    ticketNo: generateTicketNo(t.receivedAt, random6),
    channel: 'phone', kind: 'complaint', categoryCode: null, villageCode: null, departmentCode: null,
    status: 'registered', outcome: null, confidential: false, content: '', publicSummary: null,
    complainantName: null, address: null, firstAcceptedAt: null, repliedAt: null, closedAt: null,
    satisfaction: null, resolved: null, improperReturns: 0, assignedAt: null, signOffDueAt: null,
    ...t,
  };
}

// The month drafted at 02:00 on 1 December.
const NOW = at('2026-12-01T02:00');

const LONG = '北苑社区门口每天傍晚都有人焚烧垃圾，'; // 18 characters; ×5 = 90 > 80

const T = {
  // Replied and closed on time, accepted after 6 h, satisfied + resolved. Name and mobile in content.
  t1: ticket('100001', {
    receivedAt: at('2026-11-02T09:00'), channel: 'phone', kind: 'complaint', categoryCode: 'road',
    villageCode: 'dongshan', departmentCode: 'cj', status: 'closed', outcome: 'resolved',
    content: '东山村3组路口的路灯坏了一个多月，晚上看不见路，我叫张三，电话13812345678。',
    complainantName: '张三', address: '东山村3组12号',
    assignedAt: at('2026-11-02T10:00'), signOffDueAt: endOf('2026-11-03'), firstAcceptedAt: at('2026-11-02T15:00'),
    repliedAt: at('2026-11-10T10:00'), dueAt: endOf('2026-11-23'), closedAt: at('2026-11-11T10:00'),
    satisfaction: 'satisfied', resolved: true,
  }),
  // Accepted after 36 h (sign-off 20:30 ≤ 23:59:59, on time); public summary with a comma and quotes.
  t2: ticket('100002', {
    receivedAt: at('2026-11-03T08:30'), channel: 'wechat_group', kind: 'help', categoryCode: 'road',
    villageCode: 'dongshan', departmentCode: 'cj', status: 'closed', outcome: 'explained',
    content: '村道硬化的事情什么时候安排？', publicSummary: '询问村道硬化安排,已答复"纳入明年计划"', complainantName: '李四',
    assignedAt: at('2026-11-03T09:00'), signOffDueAt: endOf('2026-11-04'), firstAcceptedAt: at('2026-11-04T20:30'),
    repliedAt: at('2026-11-12T12:00'), dueAt: endOf('2026-11-17'), closedAt: at('2026-11-13T09:00'),
    satisfaction: 'basically_satisfied', resolved: true,
  }),
  // Signed off late (48 h, after its sign-off deadline) and replied LATE (28th > due 26th); awaiting follow-up.
  t3: ticket('100003', {
    receivedAt: at('2026-11-05T10:00'), channel: 'phone', kind: 'complaint', categoryCode: 'road',
    villageCode: 'dongshan', departmentCode: 'cj', status: 'replied',
    content: '桥面护栏断了，联系人王五 0571-88886666。', complainantName: '王五',
    assignedAt: at('2026-11-05T11:00'), signOffDueAt: endOf('2026-11-06'), firstAcceptedAt: at('2026-11-07T10:00'),
    repliedAt: at('2026-11-28T16:00'), dueAt: endOf('2026-11-26'),
  }),
  // CONFIDENTIAL: counted everywhere, listed nowhere. Accepted after 19 h.
  t4: ticket('100004', {
    receivedAt: at('2026-11-06T14:00'), channel: 'walk_in', kind: 'help', categoryCode: 'dibao',
    villageCode: 'dongshan', departmentCode: 'mz', status: 'closed', outcome: 'resolved', confidential: true,
    content: '申请低保，家里困难，身份证330102199001011234。', complainantName: '赵六', address: '东山村5组8号',
    assignedAt: at('2026-11-06T15:00'), signOffDueAt: endOf('2026-11-09'), firstAcceptedAt: at('2026-11-07T09:00'),
    repliedAt: at('2026-11-12T10:00'), dueAt: endOf('2026-11-13'), closedAt: at('2026-11-13T10:00'),
    satisfaction: 'very_satisfied', resolved: true,
  }),
  // In progress and OVERDUE at NOW (due 24th). Accepted after 24 h.
  t5: ticket('100005', {
    receivedAt: at('2026-11-10T09:00'), channel: 'phone', kind: 'complaint', categoryCode: 'sanitation',
    villageCode: 'dongshan', departmentCode: 'hb', status: 'in_progress',
    content: '垃圾池满了没人清运，臭味很大。',
    assignedAt: at('2026-11-10T10:00'), signOffDueAt: endOf('2026-11-11'), firstAcceptedAt: at('2026-11-11T09:00'),
    dueAt: endOf('2026-11-24'),
  }),
  // Follow-up unreachable: not reached, in neither follow-up rate. Accepted after 4 h.
  t6: ticket('100006', {
    receivedAt: at('2026-11-11T08:00'), channel: 'phone', kind: 'help', categoryCode: 'drinking_water',
    villageCode: 'xihe', departmentCode: 'sw', status: 'closed', outcome: 'resolved',
    content: '西河村自来水停了两天。',
    assignedAt: at('2026-11-11T09:00'), signOffDueAt: endOf('2026-11-12'), firstAcceptedAt: at('2026-11-11T12:00'),
    repliedAt: at('2026-11-13T12:00'), dueAt: endOf('2026-11-25'), closedAt: at('2026-11-20T12:00'),
    satisfaction: 'unreachable',
  }),
  // Reopened twice, closed unresolvable: dissatisfied + not resolved. First accepted after 7 h.
  t7: ticket('100007', {
    receivedAt: at('2026-11-12T09:00'), channel: 'wechat_group', kind: 'complaint', categoryCode: 'drinking_water',
    villageCode: 'xihe', departmentCode: 'sw', status: 'closed', outcome: 'unresolvable',
    content: '水压太低，二楼没水，反映多次没解决。邮箱 xihe.resident@163.com', complainantName: '孙七',
    assignedAt: at('2026-11-25T09:00'), signOffDueAt: endOf('2026-11-26'), firstAcceptedAt: at('2026-11-12T16:00'),
    repliedAt: at('2026-11-27T10:00'), dueAt: endOf('2026-12-10'), closedAt: at('2026-11-29T10:00'),
    satisfaction: 'dissatisfied', resolved: false,
  }),
  // Closed by the no-response sweeper: not reached. Accepted after 18 h.
  t8: ticket('100008', {
    receivedAt: at('2026-11-13T15:00'), channel: 'walk_in', kind: 'help', categoryCode: 'dispute',
    villageCode: 'xihe', departmentCode: 'zz', status: 'closed', outcome: 'resolved',
    content: '和邻居因为地界吵架，请求调解。',
    assignedAt: at('2026-11-13T16:00'), signOffDueAt: endOf('2026-11-16'), firstAcceptedAt: at('2026-11-14T09:00'),
    repliedAt: at('2026-11-18T17:00'), dueAt: endOf('2026-11-27'), closedAt: at('2026-11-25T17:00'),
    satisfaction: 'no_response',
  }),
  // One IMPROPER RETURN (refused, back to cj); in progress, due after NOW: undecided. Accepted after 4 h.
  t9: ticket('100009', {
    receivedAt: at('2026-11-16T10:00'), channel: 'letter', kind: 'suggest', categoryCode: 'road',
    villageCode: 'nanling', departmentCode: 'cj', status: 'in_progress', improperReturns: 1,
    content: '建议在南岭村小学门口加装减速带。',
    assignedAt: at('2026-11-18T10:00'), signOffDueAt: endOf('2026-11-19'), firstAcceptedAt: at('2026-11-16T14:00'),
    dueAt: endOf('2026-12-01'),
  }),
  // Long content: the summary is cut to 80 characters. Accepted after 2 h.
  t10: ticket('100010', {
    receivedAt: at('2026-11-18T09:00'), channel: 'web', kind: 'report', categoryCode: 'sanitation',
    villageCode: 'beiyuan', departmentCode: 'hb', status: 'closed', outcome: 'resolved',
    content: LONG.repeat(5),
    assignedAt: at('2026-11-18T10:00'), signOffDueAt: endOf('2026-11-19'), firstAcceptedAt: at('2026-11-18T11:00'),
    repliedAt: at('2026-11-20T11:00'), dueAt: endOf('2026-12-09'), closedAt: at('2026-11-21T11:00'),
    satisfaction: 'very_satisfied', resolved: true,
  }),
  // Compound surname; the given name alone also appears. Basically satisfied but NOT resolved. 3 h.
  t11: ticket('100011', {
    receivedAt: at('2026-11-19T09:00'), channel: 'phone', kind: 'consult', categoryCode: 'sanitation',
    villageCode: 'beiyuan', departmentCode: 'hb', status: 'closed', outcome: 'explained',
    content: '我是欧阳明华，想问垃圾分类的桶什么时候发？明华家里还没有。', complainantName: '欧阳明华',
    assignedAt: at('2026-11-26T09:00'), signOffDueAt: endOf('2026-11-27'), firstAcceptedAt: at('2026-11-19T12:00'),
    repliedAt: at('2026-11-27T10:00'), dueAt: endOf('2026-11-30'), closedAt: at('2026-11-28T10:00'),
    satisfaction: 'basically_satisfied', resolved: false,
  }),
  // Never signed off, sign-off deadline passed: a late response. Reply not due yet. Address in content.
  t12: ticket('100012', {
    receivedAt: at('2026-11-20T09:00'), channel: 'phone', kind: 'complaint', categoryCode: 'sanitation',
    villageCode: 'beiyuan', departmentCode: 'hb', status: 'assigned',
    content: '北苑社区7栋2单元301室楼下餐馆油烟排放扰民。', address: '北苑社区7栋2单元301室',
    assignedAt: at('2026-11-20T10:00'), signOffDueAt: endOf('2026-11-23'), dueAt: endOf('2026-12-11'),
  }),
  // Registered on the 30th, no category, no village code: the village comes from the address, cut.
  t13: ticket('100013', {
    receivedAt: at('2026-11-30T16:00'), channel: 'phone', kind: 'consult',
    content: '想问一下社保卡丢了怎么补办。', address: '北苑社区9栋',
    dueAt: endOf('2026-12-02'),
  }),
  // Rejected before assignment: closed, in no department, never replied.
  t14: ticket('100014', {
    receivedAt: at('2026-11-24T10:00'), channel: 'phone', kind: 'consult', categoryCode: 'other',
    villageCode: 'nanling', status: 'closed', outcome: 'rejected',
    content: '咨询外省房产过户的事情。',
    dueAt: endOf('2026-11-26'), closedAt: at('2026-11-24T11:00'),
  }),
  // Merged (a duplicate of t7) before its sign-off: "closed"; never accepted, so no response figure.
  t15: ticket('100015', {
    receivedAt: at('2026-11-25T08:00'), channel: 'wechat_group', kind: 'complaint', categoryCode: 'drinking_water',
    villageCode: 'xihe', departmentCode: 'sw', status: 'merged', outcome: 'merged',
    content: '水压低，二楼没水（同一问题）。',
    assignedAt: at('2026-11-25T09:00'), signOffDueAt: endOf('2026-11-26'), dueAt: endOf('2026-12-16'),
    closedAt: at('2026-11-25T10:00'),
  }),
};

const NEXT_STEPS = '1. 督促生态环境办尽快办结逾期诉求。\n2. 有疑问请联系镇督查室 0571-88881234。';

function input(over: Partial<NoticeInput> = {}): NoticeInput {
  return {
    month: '2026-11',
    tickets: Object.values(T),
    now: NOW,
    departments: DEPARTMENTS,
    categories: CATEGORIES,
    nextSteps: NEXT_STEPS,
    ...over,
  };
}

const no = (x: NoticeTicket): string => formatTicketNo(x.ticketNo);
const r = (numerator: number, denominator: number, value: number | null) => ({ numerator, denominator, value });

t.test('the hand-built month: every figure', async (t) => {
  const model = buildNoticeModel(input());
  t.equal(no(T.t1), '20261102-100001-0', 'ticket numbers are shown grouped');

  // received: 15 tickets (t4 confidential and t15 merged included).
  // closed: status closed t1 t2 t4 t6 t7 t8 t10 t11 t14 = 9, merged t15 = 1 → 10.
  // replied this round (replied, or closed with a reply and not rejected):
  //   t1 t2 t3 t4 t6 t7 t8 t10 t11 = 9; by their due: all but t3 (28th > 26th) → onTime 8.
  //   awaiting a reply and past due at NOW: t5 (due 24th); t9 (due 1 Dec 23:59:59), t12, t13 not yet.
  //   onTimeRate = 8 / (9 + 1) = 0.8.
  // avgFirstResponseHours over the 11 accepted: t1 6, t2 36, t3 48, t4 19, t5 24, t6 4, t7 7, t8 18,
  //   t9 4, t10 2, t11 3 → 171 / 11 = 15.545… → 15.5.
  // responseRate: accepted t1..t11 (11), by their sign-off deadline all but t3 → 10;
  //   never accepted: t12 assigned and its sign-off passed (23rd) → late; t15 merged → not counted;
  //   t13, t14 never assigned. → 10 / 12 = 0.8333.
  // reached follow-ups (five levels): t1 satisfied, t2 basically, t4 very, t7 dissatisfied,
  //   t10 very, t11 basically = 6 (t6 unreachable, t8 no_response are not reached).
  //   resolved: t1 t2 t4 t10 = 4 → 4/6 = 0.6667; satisfied: t1 t2 t4 t10 t11 = 5 → 5/6 = 0.8333.
  t.strictSame(model.totals, {
    received: 15,
    closed: 10,
    onTime: 8,
    onTimeRate: r(8, 10, 0.8),
    avgFirstResponseHours: 15.5,
    responseRate: r(10, 12, 0.8333),
    resolutionRate: r(4, 6, 0.6667),
    satisfactionRate: r(5, 6, 0.8333),
    screened: 0,
    screenedByCategory: NONE_SCREENED,
  });

  // phone t1 t3 t5 t6 t11 t12 t13 t14 = 8; wechat t2 t7 t15 = 3; walk-in t4 t8 = 2; letter t9; web t10.
  t.strictSame(model.byChannel, [
    { code: 'phone', name: '电话', count: 8 },
    { code: 'wechat_group', name: '微信群', count: 3 },
    { code: 'walk_in', name: '现场', count: 2 },
    { code: 'letter', name: '来信', count: 1 },
    { code: 'web', name: '网上', count: 1 },
  ]);
  // consult t11 t13 t14; help t2 t4 t6 t8; suggest t9; complaint t1 t3 t5 t7 t12 t15; report t10.
  t.strictSame(model.byKind, [
    { code: 'consult', name: '咨询', count: 3 },
    { code: 'help', name: '求助', count: 4 },
    { code: 'suggest', name: '建议', count: 1 },
    { code: 'complaint', name: '投诉', count: 6 },
    { code: 'report', name: '举报', count: 1 },
    { code: 'emergency', name: '紧急', count: 0 },
  ]);
  // road t1 t2 t3 t9 = 4; sanitation t5 t10 t11 t12 = 4; water t6 t7 t15 = 3; dibao t4, dispute t8,
  // other t14 = 1 each; uncategorised t13 last. Most first, ties in catalogue order.
  t.strictSame(model.byCategory, [
    { code: 'road', name: '道路桥梁与路灯', count: 4 },
    { code: 'sanitation', name: '环境卫生', count: 4 },
    { code: 'drinking_water', name: '饮水供水', count: 3 },
    { code: 'dibao', name: '低保特困救助', count: 1 },
    { code: 'dispute', name: '矛盾纠纷调解', count: 1 },
    { code: 'other', name: '其他', count: 1 },
    { code: null, name: '未分类', count: 1 },
  ]);
  // dongshan: dibao t4 (1), road t1 t2 t3 (3), sanitation t5 (1); xihe: water t6 t7 t15 (3), dispute
  // t8 (1); nanling: road t9, other t14; beiyuan: sanitation t10 t11 t12 (3); no village: t13.
  t.strictSame(model.byVillage, [
    {
      code: 'dongshan', name: '东山村', count: 5,
      byCategory: [
        { code: 'dibao', name: '低保特困救助', count: '<3' },
        { code: 'road', name: '道路桥梁与路灯', count: 3 },
        { code: 'sanitation', name: '环境卫生', count: '<3' },
      ],
    },
    {
      code: 'xihe', name: '西河村', count: 4,
      byCategory: [
        { code: 'drinking_water', name: '饮水供水', count: 3 },
        { code: 'dispute', name: '矛盾纠纷调解', count: '<3' },
      ],
    },
    {
      code: 'nanling', name: '南岭村', count: 2,
      byCategory: [
        { code: 'road', name: '道路桥梁与路灯', count: '<3' },
        { code: 'other', name: '其他', count: '<3' },
      ],
    },
    { code: 'beiyuan', name: '北苑社区', count: 3, byCategory: [{ code: 'sanitation', name: '环境卫生', count: 3 }] },
    { code: null, name: '未注明村（社区）', count: 1, byCategory: [{ code: null, name: '未分类', count: '<3' }] },
  ]);

  // mz: t4 — closed, replied on time, very satisfied.
  // cj: t1 t2 t3 t9 — closed t1 t2; replied t1 ✓ t2 ✓ t3 ✗, t9 undecided → 2/3; reached t1 t2 both
  //     satisfied → 2/2; improper returns: t9's one.
  // sw: t6 t7 t15 — closed t6 t7 + merged t15 = 3; replied t6 ✓ t7 ✓ (27th ≤ 10 Dec) → 2/2;
  //     reached only t7, dissatisfied → 0/1.
  // hb: t5 t10 t11 t12 — closed t10 t11; replied t10 ✓ t11 ✓, t5 overdue → 2/3, overdueOpen 1;
  //     reached t10 very, t11 basically → 2/2.
  // zz: t8 — closed, replied on time; no_response → 0/0, null.
  // t13 (unassigned) and t14 (rejected before assignment) are in no department: 1+4+3+4+1 = 13.
  t.strictSame(model.departments, [
    { code: 'mz', name: '民政办', received: 1, closed: 1, onTime: 1, onTimeRate: r(1, 1, 1), overdueOpen: 0, satisfactionRate: r(1, 1, 1), improperReturns: 0, screened: 0, coHandling: 0 },
    { code: 'cj', name: '村镇建设办', received: 4, closed: 2, onTime: 2, onTimeRate: r(2, 3, 0.6667), overdueOpen: 0, satisfactionRate: r(2, 2, 1), improperReturns: 1, screened: 0, coHandling: 0 },
    { code: 'sw', name: '水务站', received: 3, closed: 3, onTime: 2, onTimeRate: r(2, 2, 1), overdueOpen: 0, satisfactionRate: r(0, 1, 0), improperReturns: 0, screened: 0, coHandling: 0 },
    { code: 'hb', name: '生态环境办', received: 4, closed: 2, onTime: 2, onTimeRate: r(2, 3, 0.6667), overdueOpen: 1, satisfactionRate: r(2, 2, 1), improperReturns: 0, screened: 0, coHandling: 0 },
    { code: 'zz', name: '综治中心', received: 1, closed: 1, onTime: 1, onTimeRate: r(1, 1, 1), overdueOpen: 0, satisfactionRate: r(0, 0, null), improperReturns: 0, screened: 0, coHandling: 0 },
  ]);

  // Oldest first, t4 (confidential) left out: 14 cases.
  const c = (x: NoticeTicket, date: string, village: string | null, category: string, summary: string,
    department: string | null, status: string, statusLabel: string, outcome: string | null, outcomeLabel: string | null) =>
    ({ ticketNo: no(x), date, village, category, summary, department, status, statusLabel, outcome, outcomeLabel });
  t.strictSame(model.cases, [
    c(T.t1, '2026-11-02', '东山村', '道路桥梁与路灯', '东山村3组路口的路灯坏了一个多月，晚上看不见路。', '村镇建设办', 'closed', '已办结', 'resolved', '已解决'),
    c(T.t2, '2026-11-03', '东山村', '道路桥梁与路灯', '询问村道硬化安排,已答复"纳入明年计划"', '村镇建设办', 'closed', '已办结', 'explained', '已解释说明'),
    c(T.t3, '2026-11-05', '东山村', '道路桥梁与路灯', '桥面护栏断了。', '村镇建设办', 'replied', '已答复（待回访）', null, null),
    c(T.t5, '2026-11-10', '东山村', '环境卫生', '垃圾池满了没人清运，臭味很大。', '生态环境办', 'in_progress', '办理中', null, null),
    c(T.t6, '2026-11-11', '西河村', '饮水供水', '西河村自来水停了两天。', '水务站', 'closed', '已办结', 'resolved', '已解决'),
    c(T.t7, '2026-11-12', '西河村', '饮水供水', '水压太低，二楼没水，反映多次没解决。', '水务站', 'closed', '已办结', 'unresolvable', '暂无法解决'),
    c(T.t8, '2026-11-13', '西河村', '矛盾纠纷调解', '和邻居因为地界吵架，请求调解。', '综治中心', 'closed', '已办结', 'resolved', '已解决'),
    c(T.t9, '2026-11-16', '南岭村', '道路桥梁与路灯', '建议在南岭村小学门口加装减速带。', '村镇建设办', 'in_progress', '办理中', null, null),
    // 4 × 18 characters + the first 7 of the fifth repeat + '…' = 80.
    c(T.t10, '2026-11-18', '北苑社区', '环境卫生', `${LONG.repeat(4)}北苑社区门口每…`, '生态环境办', 'closed', '已办结', 'resolved', '已解决'),
    c(T.t11, '2026-11-19', '北苑社区', '环境卫生', '我是欧阳某，想问垃圾分类的桶什么时候发？某某家里还没有。', '生态环境办', 'closed', '已办结', 'explained', '已解释说明'),
    c(T.t12, '2026-11-20', '北苑社区', '环境卫生', '北苑社区楼下餐馆油烟排放扰民。', '生态环境办', 'assigned', '已转办（待签收）', null, null),
    c(T.t14, '2026-11-24', '南岭村', '其他', '咨询外省房产过户的事情。', null, 'closed', '已办结', 'rejected', '不予受理'),
    c(T.t15, '2026-11-25', '西河村', '饮水供水', '水压低，二楼没水（同一问题）。', '水务站', 'merged', '已并单', 'merged', '已并单'),
    c(T.t13, '2026-11-30', '北苑社区', '未分类', '想问一下社保卡丢了怎么补办。', null, 'registered', '已登记', null, null),
  ]);
  t.equal(Array.from(model.cases[8].summary).length, 80);

  t.equal(model.nextSteps, '1. 督促生态环境办尽快办结逾期诉求。\n2. 有疑问请联系镇督查室 ***。', 'no phone numbers at all, lines kept');
  t.equal(model.month, '2026-11');
  t.strictSame(Object.keys(model), ['month', 'totals', 'byChannel', 'byKind', 'byCategory', 'byVillage', 'departments', 'cases', 'nextSteps']);
  t.strictSame(JSON.parse(JSON.stringify(model)), model, 'plain JSON: stored and read back unchanged');
});

t.test('the confidential ticket: counted, never shown', async (t) => {
  const model = buildNoticeModel(input());
  const outputs = [JSON.stringify(model), noticeText(model), noticeCsv(model)];
  for (const out of outputs) {
    t.notOk(out.includes(no(T.t4)), 'its number is nowhere');
    t.notOk(out.includes(T.t4.ticketNo), 'nor its bare number');
    t.notOk(out.includes('申请低保'), 'nor its content');
    t.notOk(out.includes('330102199001011234'), 'nor the ID number');
  }
  t.equal(model.totals.received, 15);
  t.equal(model.cases.length, 14);
  t.equal(model.departments.find((d) => d.code === 'mz')?.received, 1, 'counted in its department');
  t.equal(model.byCategory.find((c) => c.code === 'dibao')?.count, 1, 'and in its category');
  const again = buildNoticeModel(input({ tickets: [T.t4] }));
  t.strictSame(again.cases, []);
  t.equal(again.totals.received, 1);
});

t.test('the WeChat text', async (t) => {
  const text = noticeText(buildNoticeModel(input()));
  const expected = [
    '【2026年11月群众诉求办理情况公示】',
    '一、总体情况',
    '本月共受理群众诉求15件，已办结10件，按时办结8件。',
    '按时办结率80%（8/10），平均首次响应15.5小时。',
    '响应率83.3%（10/12），解决率66.7%（4/6），满意率83.3%（5/6）。',
    '按渠道：电话8件，微信群3件，现场2件，来信1件，网上1件。',
    '按类型：咨询3件，求助4件，建议1件，投诉6件，举报1件。',
    '按分类：道路桥梁与路灯4件，环境卫生4件，饮水供水3件，低保特困救助1件，矛盾纠纷调解1件，其他1件，未分类1件。',
    '按村（社区）：东山村5件（低保特困救助<3件，道路桥梁与路灯3件，环境卫生<3件）；西河村4件（饮水供水3件，矛盾纠纷调解<3件）；' +
      '南岭村2件（道路桥梁与路灯<3件，其他<3件）；北苑社区3件（环境卫生3件）；未注明村（社区）1件（未分类<3件）。',
    '二、各部门办理情况',
    '民政办：受理1件，办结1件，按时办结1件，逾期未办结0件，满意率100%（1/1），不当退单0次',
    '村镇建设办：受理4件，办结2件，按时办结2件，逾期未办结0件，满意率100%（2/2），不当退单1次',
    '水务站：受理3件，办结3件，按时办结2件，逾期未办结0件，满意率0%（0/1），不当退单0次',
    '生态环境办：受理4件，办结2件，按时办结2件，逾期未办结1件，满意率100%（2/2），不当退单0次',
    '综治中心：受理1件，办结1件，按时办结1件，逾期未办结0件，满意率—（0/0），不当退单0次',
    '三、诉求办理清单（另有1件依规保密，只计入总数）',
    `${no(T.t1)} 东山村 道路桥梁与路灯 东山村3组路口的路灯坏了一个多月，晚上看不见路。 村镇建设办 已办结（已解决）`,
    `${no(T.t2)} 东山村 道路桥梁与路灯 询问村道硬化安排,已答复"纳入明年计划" 村镇建设办 已办结（已解释说明）`,
    `${no(T.t3)} 东山村 道路桥梁与路灯 桥面护栏断了。 村镇建设办 已答复（待回访）`,
    `${no(T.t5)} 东山村 环境卫生 垃圾池满了没人清运，臭味很大。 生态环境办 办理中`,
    `${no(T.t6)} 西河村 饮水供水 西河村自来水停了两天。 水务站 已办结（已解决）`,
    `${no(T.t7)} 西河村 饮水供水 水压太低，二楼没水，反映多次没解决。 水务站 已办结（暂无法解决）`,
    `${no(T.t8)} 西河村 矛盾纠纷调解 和邻居因为地界吵架，请求调解。 综治中心 已办结（已解决）`,
    `${no(T.t9)} 南岭村 道路桥梁与路灯 建议在南岭村小学门口加装减速带。 村镇建设办 办理中`,
    `${no(T.t10)} 北苑社区 环境卫生 ${LONG.repeat(4)}北苑社区门口每… 生态环境办 已办结（已解决）`,
    `${no(T.t11)} 北苑社区 环境卫生 我是欧阳某，想问垃圾分类的桶什么时候发？某某家里还没有。 生态环境办 已办结（已解释说明）`,
    `${no(T.t12)} 北苑社区 环境卫生 北苑社区楼下餐馆油烟排放扰民。 生态环境办 已转办（待签收）`,
    `${no(T.t14)} 南岭村 其他 咨询外省房产过户的事情。 — 已办结（不予受理）`,
    `${no(T.t15)} 西河村 饮水供水 水压低，二楼没水（同一问题）。 水务站 已并单`,
    `${no(T.t13)} 北苑社区 未分类 想问一下社保卡丢了怎么补办。 — 已登记`,
    '四、下一步工作',
    '1. 督促生态环境办尽快办结逾期诉求。',
    '2. 有疑问请联系镇督查室 ***。',
  ];
  t.equal(text, `${expected.join('\n')}\n`);
  t.match(noticeText(buildNoticeModel(input()), { title: '东山镇2026年11月诉求公示' }), /^【东山镇2026年11月诉求公示】\n/);
  t.notOk(containsPersonalData(text));
});

t.test('the CSV of the case list', async (t) => {
  const csv = noticeCsv(buildNoticeModel(input()));
  t.ok(csv.startsWith('\uFEFF编号,日期,村（社区）,分类,摘要,承办部门,状态,办理结果\r\n'), 'BOM, Chinese header, CRLF');
  const lines = csv.slice(1).split('\r\n');
  t.equal(lines.length, 1 + 14 + 1, 'header, 14 cases, and the final CRLF');
  t.equal(lines[15], '');
  t.equal(lines[1], `${no(T.t1)},2026-11-02,东山村,道路桥梁与路灯,东山村3组路口的路灯坏了一个多月，晚上看不见路。,村镇建设办,已办结,已解决`);
  t.equal(lines[2], `${no(T.t2)},2026-11-03,东山村,道路桥梁与路灯,"询问村道硬化安排,已答复""纳入明年计划""",村镇建设办,已办结,已解释说明`, 'RFC 4180 quoting');
  t.equal(lines[3], `${no(T.t3)},2026-11-05,东山村,道路桥梁与路灯,桥面护栏断了。,村镇建设办,已答复（待回访）,`, 'no outcome: empty');
  t.equal(lines[14], `${no(T.t13)},2026-11-30,北苑社区,未分类,想问一下社保卡丢了怎么补办。,,已登记,`);

  const formula = buildNoticeModel(input({
    tickets: [ticket('200001', { receivedAt: at('2026-11-03T08:00'), dueAt: endOf('2026-11-05'), content: '=HYPERLINK("http://x","点我")' })],
  }));
  t.match(noticeCsv(formula), /,"'=HYPERLINK\(""http:\/\/x"",""点我""\)",/, 'a formula is neutralised and quoted');
  const empty = noticeCsv(buildNoticeModel(input({ tickets: [] })));
  t.equal(empty, '\uFEFF编号,日期,村（社区）,分类,摘要,承办部门,状态,办理结果\r\n');
});

t.test('figures depend on now: deadlines not yet passed are undecided', async (t) => {
  // Two days later t9 (due 1 Dec) and t13 (due 2 Dec) are past due and unanswered → 8 / 12; cj has
  // t9 overdue (2/4); t13 is in no department.
  const later = buildNoticeModel(input({ now: at('2026-12-03T09:00') }));
  t.strictSame(later.totals.onTimeRate, r(8, 12, 0.6667));
  const cj = later.departments.find((d) => d.code === 'cj');
  t.equal(cj?.overdueOpen, 1);
  t.strictSame(cj?.onTimeRate, r(2, 4, 0.5));
  t.strictSame(later.totals.responseRate, r(10, 12, 0.8333), 'sign-off figures were decided already');

  const early = buildNoticeModel(input({ tickets: [T.t12], now: at('2026-11-21T12:00') }));
  t.strictSame(early.totals.responseRate, r(0, 0, null), 't12 before its sign-off deadline: undecided');
  t.strictSame(early.totals.onTimeRate, r(0, 0, null));
  t.equal(early.totals.avgFirstResponseHours, null);
});

t.test('an empty month', async (t) => {
  const model = buildNoticeModel(input({ tickets: [], nextSteps: '  ' }));
  t.strictSame(model.totals, {
    received: 0, closed: 0, onTime: 0, onTimeRate: r(0, 0, null), avgFirstResponseHours: null,
    responseRate: r(0, 0, null), resolutionRate: r(0, 0, null), satisfactionRate: r(0, 0, null),
    screened: 0, screenedByCategory: NONE_SCREENED,
  });
  t.equal(model.byChannel.length, 5, 'every channel is listed, with 0');
  t.strictSame(model.byCategory, []);
  t.strictSame(model.byVillage, []);
  t.strictSame(model.departments, []);
  t.equal(model.nextSteps, null, 'blank next steps are none');
  const text = noticeText(model);
  t.match(text, /按渠道：无。/);
  t.match(text, /二、各部门办理情况\n无\n三、诉求办理清单\n本月无可公开的诉求。\n$/);
});

t.test('small cells: 1 and 2 are "<3", 3 and more are numbers', async (t) => {
  const mk = (n: number, village: string, category: string) =>
    Array.from({ length: n }, (_, i) =>
      ticket(`3${village.length}${category.length}${String(i).padStart(3, '0')}`, {
        receivedAt: at(`2026-11-${String(10 + i).padStart(2, '0')}T10:00`), dueAt: endOf('2026-11-30'),
        villageCode: village, categoryCode: category,
      }),
    );
  const model = buildNoticeModel(input({ tickets: [...mk(1, 'xihe', 'road'), ...mk(2, 'xihe', 'dibao'), ...mk(3, 'xihe', 'other'), ...mk(4, 'dongshan', 'road')] }));
  t.strictSame(model.byVillage.map((v) => [v.code, v.count, v.byCategory.map((c) => [c.code, c.count])]), [
    ['dongshan', 4, [['road', 4]]],
    ['xihe', 6, [['dibao', '<3'], ['road', '<3'], ['other', 3]]],
  ]);
  t.strictSame(model.byCategory.map((c) => [c.code, c.count]), [['road', 5], ['other', 3], ['dibao', 2]], 'township totals are not suppressed');
});

t.test('labels can be overridden; unknown codes show as codes', async (t) => {
  const x = ticket('400001', {
    receivedAt: at('2026-11-03T08:00'), dueAt: endOf('2026-11-05'), content: '测试',
    departmentCode: 'gone', categoryCode: 'old_cat', villageCode: 'old_village',
  });
  const model = buildNoticeModel(input({ tickets: [x], labels: { channels: { phone: '热线电话' }, statuses: { registered: '已受理' } } }));
  t.equal(model.byChannel[0].name, '热线电话');
  t.equal(model.cases[0].statusLabel, '已受理');
  t.equal(model.cases[0].department, 'gone');
  t.equal(model.cases[0].category, 'old_cat');
  t.equal(model.cases[0].village, 'old_village');
  t.strictSame(model.departments.map((d) => d.code), ['gone']);
});

t.test('rows outside the month are a caller bug', async (t) => {
  // 2026-10-31 20:00 in Shanghai is 12:00 UTC on the 31st: October, whatever UTC says.
  const october = ticket('500001', { receivedAt: at('2026-10-31T20:00'), dueAt: endOf('2026-11-05') });
  t.throws(() => buildNoticeModel(input({ tickets: [october] })), RangeError);
  // 1 Dec 07:59 Shanghai is still 30 Nov in UTC, but December here.
  const december = ticket('500002', { receivedAt: at('2026-12-01T07:59'), dueAt: endOf('2026-12-05') });
  t.throws(() => buildNoticeModel(input({ tickets: [december] })), RangeError);
  const firstMinute = ticket('500003', { receivedAt: at('2026-11-01T00:00'), dueAt: endOf('2026-11-05') });
  t.equal(buildNoticeModel(input({ tickets: [firstMinute] })).totals.received, 1);
  t.throws(() => buildNoticeModel(input({ month: '2026-13' })), RangeError);
  t.throws(() => buildNoticeModel(input({ month: '2026-1' })), RangeError);
});

// ---------------------------------------------------------------------------------------------
// WeCom parts

/** Undo the numbering: the text of each part without its "（i/n）\n" prefix. */
function unprefixed(t: Test, parts: string[]): string {
  if (parts.length === 1) return parts[0];
  return parts
    .map((p, i) => {
      const prefix = `（${i + 1}/${parts.length}）\n`;
      t.ok(p.startsWith(prefix), `part ${i + 1} is numbered`);
      return p.slice(prefix.length);
    })
    .join('');
}

t.test('splitForWeCom: examples', async (t) => {
  t.strictSame(splitForWeCom(''), []);
  t.strictSame(splitForWeCom('短消息\n'), ['短消息\n'], 'what fits is one unnumbered part');
  const line = `${'路'.repeat(10)}\n`; // 31 bytes
  const parts = splitForWeCom(line.repeat(4), 70);
  // Prefix "（1/2）\n" = 3+1+1+1+3+1 = 10 bytes; budget 60: two lines (62) do not fit → 4 parts.
  t.strictSame(parts, [1, 2, 3, 4].map((i) => `（${i}/4）\n${line}`));
  const long = splitForWeCom('中'.repeat(30), 40); // 90 bytes, one line; budget 30 → 10 characters a part
  t.strictSame(long, ['（1/3）\n' + '中'.repeat(10), '（2/3）\n' + '中'.repeat(10), '（3/3）\n' + '中'.repeat(10)]);
  // 16 bytes > 14; budget 14 − 10 = 4 bytes: one emoji (4 bytes, 2 UTF-16 units) a part.
  t.strictSame(splitForWeCom('😀'.repeat(4), 14), [1, 2, 3, 4].map((i) => `（${i}/4）\n😀`), 'never inside a character');
  t.throws(() => splitForWeCom('x'.repeat(100), 12), RangeError, 'no room for text next to the prefix');

  const text = noticeText(buildNoticeModel(input({ tickets: Array.from({ length: 6 }, () => Object.values(T)).flat() })));
  const wecom = splitForWeCom(text);
  t.ok(wecom.length > 1, `the notice of 90 tickets needs ${wecom.length} messages`);
  for (const p of wecom) t.ok(bytes(p) <= 2048, `${bytes(p)} bytes`);
  t.equal(unprefixed(t, wecom), text);
  for (const p of wecom.slice(0, -1)) t.ok(p.endsWith('\n'), 'parts end at a line boundary');
});

t.test('splitForWeCom: any text, any limit', async (t) => {
  const unit = fc.constantFrom('a', ' ', '中', '，', 'é', '😀', '\n', '\n', '1');
  holds(
    t,
    'parts within the limit; unprefixed they join to the text; line boundaries when lines fit',
    fc.property(fc.string({ unit, maxLength: 400 }), fc.integer({ min: 16, max: 300 }), (text, max) => {
      const parts = splitForWeCom(text, max);
      if (text === '') return parts.length === 0;
      if (parts.some((p) => bytes(p) > max)) return false;
      const joined = parts.length === 1 ? parts[0] : parts.map((p, i) => {
        const prefix = `（${i + 1}/${parts.length}）\n`;
        if (!p.startsWith(prefix)) throw new Error(`part ${i + 1} lacks ${prefix}`);
        return p.slice(prefix.length);
      }).join('');
      if (joined !== text) return false;
      const budget = max - bytes(`（${parts.length}/${parts.length}）\n`);
      const linesFit = text.split('\n').every((l) => bytes(l) + 1 <= budget);
      return !linesFit || parts.length === 1 || parts.slice(0, -1).every((p) => p.endsWith('\n'));
    }),
    { numRuns: 2000 },
  );
});

// ---------------------------------------------------------------------------------------------
// No personal data in any output, over generated months

const VILLAGES = DEPARTMENTS.filter((d) => d.kind === 'village').map((d) => d.code);

const generatedTicketArb = fc.record({
  day: fc.integer({ min: 1, max: 30 }),
  hour: fc.integer({ min: 0, max: 23 }),
  channel: fc.constantFrom(...CHANNELS),
  kind: fc.constantFrom(...KINDS),
  status: fc.constantFrom(...TICKET_STATUSES),
  outcome: fc.option(fc.constantFrom(...OUTCOMES)),
  confidential: fc.boolean(),
  content: piiTextArb,
  summary: fc.option(piiTextArb),
  addressPii: fc.option(piiItemArb),
  villageCode: fc.option(fc.constantFrom(...VILLAGES)),
  villageText: fc.constantFrom('东山村', '西河村', '北苑社区', '', '某镇'),
  categoryCode: fc.option(fc.constantFrom(...CATEGORIES.map((c) => c.code))),
  departmentCode: fc.option(fc.constantFrom(...DEPARTMENTS.map((d) => d.code))),
  satisfaction: fc.option(fc.constantFrom(...SATISFACTIONS)),
  resolved: fc.option(fc.boolean()),
  accepted: fc.option(fc.integer({ min: 0, max: 200 })),
  replied: fc.option(fc.integer({ min: 0, max: 600 })),
  dueIn: fc.integer({ min: -100, max: 600 }),
  improperReturns: fc.integer({ min: 0, max: 2 }),
});

t.test('no personal data in the model, the text, the CSV or any WeCom part', async (t) => {
  holds(
    t,
    'names, phones, landlines, IDs, e-mails and addresses never leak; confidential tickets never listed',
    fc.property(fc.array(generatedTicketArb, { maxLength: 12 }), fc.option(piiTextArb), (rows, steps) => {
      const needles: string[] = [];
      const hidden: string[] = [];
      const tickets = rows.map((g, i): NoticeTicket => {
        const receivedAt = at(`2026-11-${String(g.day).padStart(2, '0')}T${String(g.hour).padStart(2, '0')}:00`);
        const name = g.content.name;
        // The house number carries the index so each address is its own needle.
        const address = `${g.villageText}${i + 1}组${i + 20}号${g.addressPii?.shown ?? ''}`;
        needles.push(...g.content.needles, ...(g.summary?.needles ?? []), ...(g.addressPii?.needles ?? []));
        needles.push(name.full, address);
        if (Array.from(name.given).length >= 2) needles.push(name.given);
        const content = `${g.content.text}，住${address}`;
        // A person writing a public summary may name the complainant too (only known names can be masked).
        const summary = g.summary ? g.summary.text.replaceAll(g.summary.name.full, name.full) : null;
        const tn = generateTicketNo(receivedAt, String(100000 + i));
        if (g.confidential) hidden.push(formatTicketNo(tn), tn);
        return {
          ticketNo: tn, receivedAt, channel: g.channel, kind: g.kind, categoryCode: g.categoryCode,
          villageCode: g.villageCode, departmentCode: g.departmentCode, status: g.status, outcome: g.outcome,
          confidential: g.confidential, content,
          publicSummary: summary,
          complainantName: name.full, address,
          firstAcceptedAt: g.accepted === null ? null : new Date(receivedAt.getTime() + g.accepted * 3_600_000),
          repliedAt: g.replied === null ? null : new Date(receivedAt.getTime() + g.replied * 3_600_000),
          dueAt: new Date(receivedAt.getTime() + g.dueIn * 3_600_000),
          closedAt: null, satisfaction: g.satisfaction, resolved: g.resolved, improperReturns: g.improperReturns,
          assignedAt: g.departmentCode ? receivedAt : null,
          signOffDueAt: g.departmentCode ? new Date(receivedAt.getTime() + 30 * 3_600_000) : null,
        };
      });
      const model = buildNoticeModel({
        month: '2026-11', tickets, now: NOW, departments: DEPARTMENTS, categories: CATEGORIES,
        // A supervisor's text names nobody the notice knows: its generated name is left out.
        nextSteps: steps ? steps.text.replaceAll(steps.name.full, '') : null,
      });
      if (steps) needles.push(...steps.needles);
      const text = noticeText(model);
      const outputs = [JSON.stringify(model), text, noticeCsv(model), ...splitForWeCom(text)];
      for (const out of outputs) {
        for (const n of needles) if (out.includes(n)) throw new Error(`leaked ${JSON.stringify(n)}`);
        for (const h of hidden) if (out.includes(h)) throw new Error(`confidential ticket ${h} listed`);
      }
      if (containsPersonalData(text)) throw new Error('the text still holds personal data');
      if (model.cases.length !== tickets.filter((x) => !x.confidential).length) return false;
      if (model.totals.received !== tickets.length) return false;
      return model.cases.every((c) => Array.from(c.summary).length <= 80);
    }),
    { numRuns: 400 },
  );
});

t.test('SPEC §18 by hand: a screened, a paused and a co-handled ticket', async (t) => {
  const month = [
    // Screened (重复诉求), replied late and rated dissatisfied: counted received and closed, in no rate.
    ticket('200001', {
      receivedAt: at('2026-11-05T09:00'), departmentCode: 'cj', status: 'closed', outcome: 'explained', screeningCategory: 'repeated',
      assignedAt: at('2026-11-05T10:00'), signOffDueAt: endOf('2026-11-06'), firstAcceptedAt: at('2026-11-09T10:00'),
      repliedAt: at('2026-11-30T10:00'), dueAt: endOf('2026-11-20'), closedAt: at('2026-11-30T12:00'), satisfaction: 'dissatisfied', resolved: false,
    }),
    // Paused, its old due instant passed: not overdue (not in the on-time denominator either).
    ticket('200002', {
      receivedAt: at('2026-11-06T09:00'), departmentCode: 'cj', status: 'in_progress', paused: true,
      assignedAt: at('2026-11-06T10:00'), signOffDueAt: endOf('2026-11-09'), firstAcceptedAt: at('2026-11-06T11:00'), dueAt: endOf('2026-11-20'),
    }),
    // Led by cj, co-handled by sw: replied on time, satisfied.
    ticket('200003', {
      receivedAt: at('2026-11-07T09:00'), departmentCode: 'cj', status: 'closed', outcome: 'resolved', coDepartmentCodes: ['sw'],
      assignedAt: at('2026-11-07T10:00'), signOffDueAt: endOf('2026-11-09'), firstAcceptedAt: at('2026-11-07T11:00'),
      repliedAt: at('2026-11-18T10:00'), dueAt: endOf('2026-11-27'), closedAt: at('2026-11-19T10:00'), satisfaction: 'satisfied', resolved: true,
    }),
  ];
  const model = buildNoticeModel(input({ tickets: month }));
  // received 3, closed 2 (t1, t3). On time: only t3 counts (t1 screened, t2 paused) → 1/1.
  // Response: t2 (11:00 ≤ 11-09) and t3 on time; t1 screened → 2/2. Reached follow-ups: t3 only → 1/1.
  t.strictSame(model.totals, {
    received: 3, closed: 2, onTime: 1, onTimeRate: r(1, 1, 1), avgFirstResponseHours: Math.round(((97 + 2 + 2) / 3) * 10) / 10,
    responseRate: r(2, 2, 1), resolutionRate: r(1, 1, 1), satisfactionRate: r(1, 1, 1),
    screened: 1, screenedByCategory: { ...NONE_SCREENED, repeated: 1 },
  });
  t.strictSame(model.departments.map((d) => [d.code, d.received, d.overdueOpen, d.screened, d.coHandling]), [
    ['cj', 3, 0, 1, 0],
    ['sw', 0, 0, 0, 1],
  ]);
  t.match(noticeText(model), '经甄别不计入三率1件（重复诉求1件）');
  t.match(noticeText(model), '水务站：受理0件');
  t.match(noticeText(model), '协办1件');
});
