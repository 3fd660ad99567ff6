// The fields of every staff form, in tab order, with their Chinese labels: one table that the
// `fields` partial renders and that maps error paths back to fields. Options come from the
// catalogue and the domain's label tables.
import { OPEN_STATUSES } from '../../domain/ticket.js';
import { CHANNELS, KINDS } from '../../domain/sla.js';
import { API_SCOPE_LABELS, API_SCOPES } from '../../domain/api-scopes.js';
import { ROLES } from '../../domain/roles.js';
import { REACHED_SATISFACTIONS, REPLY_RESULTS, RETURN_REASON_CODES, SCREENING_CATEGORIES, type TicketAction } from '../../domain/ticket-rules.js';
import { SCREENING_LABELS } from '../../domain/ticket-labels.js';
import type { Catalogue } from '../../services/catalogue.service.js';
import { LABELS } from './format.js';

export interface Option {
  value: string;
  label: string;
}

export interface FieldSpec {
  name: string;
  label: string;
  type: 'text' | 'tel' | 'password' | 'number' | 'textarea' | 'select' | 'radio' | 'checkbox' | 'checkboxes' | 'datetime-local' | 'duration' | 'month';
  options?: Option[];
  /** Label of the empty first option of a select (none: a choice is always made). */
  empty?: string;
  required?: boolean;
  hint?: string;
  attrs?: Record<string, string | number | boolean>;
}

export interface SubmitButton {
  label: string;
  name?: string;
  value?: string;
  kind?: 'primary' | 'danger' | 'plain';
}

export interface ActionFormSpec {
  fields: FieldSpec[];
  submit: SubmitButton[];
}

const opts = (table: Record<string, string>, codes: readonly string[]): Option[] =>
  codes.map((value) => ({ value, label: table[value] ?? value }));

export function catalogueOptions(c: Catalogue) {
  const departments = [...c.departments.values()].filter((d) => d.active);
  return {
    departments: departments.map((d) => ({ value: d.code, label: `${d.name}（${LABELS.deptKind[d.kind]}）` })),
    villages: departments.filter((d) => d.kind === 'village').map((d) => ({ value: d.code, label: d.name })),
    categories: [...c.categories.values()].filter((x) => x.active).map((x) => ({ value: x.code, label: x.name })),
  };
}
export type CatalogueOptions = ReturnType<typeof catalogueOptions>;

const text = (name: string, label: string, max: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name, label, type: 'text', ...extra, attrs: { maxlength: max, autocomplete: 'off', ...extra.attrs },
});
const area = (name: string, label: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name, label, type: 'textarea', ...extra, attrs: { maxlength: 2000, rows: 3, ...extra.attrs },
});
const yesNo = (yes: string, no: string): Option[] => [{ value: 'true', label: yes }, { value: 'false', label: no }];

export function registrationGroups(o: CatalogueOptions): { legend: string; fields: FieldSpec[] }[] {
  return [
    {
      legend: '诉求',
      fields: [
        { name: 'channel', label: '渠道', type: 'select', required: true, options: opts(LABELS.channel, CHANNELS), attrs: { autofocus: true } },
        { name: 'kind', label: '诉求类型', type: 'select', required: true, empty: '请选择', options: opts(LABELS.kind, KINDS) },
        area('content', '诉求内容', { required: true, hint: '5–2000字，记录群众原话要点', attrs: { rows: 5, minlength: 5 } }),
        {
          name: 'categoryCode', label: '分类', type: 'select', empty: '暂不选择（稍后分派）', options: o.categories,
          hint: '输入诉求内容后，建议分类会列在选择框顶部（按 ↓ 选择）',
        },
      ],
    },
    {
      legend: '诉求人',
      fields: [
        text('complainant.name', '姓名', 30),
        { name: 'complainant.phone', label: '联系电话', type: 'tel', hint: '手机号或座机；不填则回执上打印6位查询码', attrs: { maxlength: 20, autocomplete: 'off', inputmode: 'tel' } },
        { name: 'complainant.anonymous', label: '匿名（不登记姓名）', type: 'checkbox' },
        { name: 'confidential', label: '保密（不在公示中列出）', type: 'checkbox' },
      ],
    },
    {
      legend: '地点与时间',
      fields: [
        { name: 'villageCode', label: '村/社区', type: 'select', empty: '不涉及具体村/社区', options: o.villages },
        text('address', '详细地址', 200),
        { name: 'receivedAt', label: '群众提出时间', type: 'datetime-local', hint: '默认当前时间；补录来电、来信时改为实际提出时间' },
      ],
    },
    {
      legend: '微信群信息（仅微信群渠道）',
      fields: [text('wechat.group', '群名称', 60), text('wechat.sender', '发送人昵称', 60), text('wechat.messageId', '消息ID', 100)],
    },
  ];
}

const note = (label = '备注（内部）') => area('note', label);

export function actionForm(action: TicketAction, o: CatalogueOptions): ActionFormSpec {
  const submit = (label: string, kind: SubmitButton['kind'] = 'primary'): SubmitButton[] => [{ label, kind }];
  switch (action) {
    case 'assign':
      return {
        fields: [
          { name: 'departmentCode', label: '承办单位（主办）', type: 'select', required: true, empty: '请选择', options: o.departments },
          { name: 'coDepartmentCodes', label: '协办单位（可多选，可不选）', type: 'checkboxes', options: o.departments, hint: '协办单位须在主办单位办理期限前反馈意见' },
          { name: 'categoryCode', label: '分类', type: 'select', empty: '保持现有分类', options: o.categories },
        ],
        submit: submit('转办'),
      };
    case 'accept':
      return { fields: [note('签收备注（内部，可不填）')], submit: submit('签收') };
    case 'return':
      return {
        fields: [
          { name: 'reasonCode', label: '退单理由', type: 'radio', required: true, options: opts(LABELS.returnReason, RETURN_REASON_CODES) },
          area('reason', '具体说明', { required: true }),
        ],
        submit: submit('退回', 'danger'),
      };
    case 'decide_return':
      return {
        fields: [
          { name: 'accept', label: '审核意见', type: 'radio', required: true, options: yesNo('同意退单，改派到下列单位', '不同意，退回原单位（计为不当退单）') },
          { name: 'departmentCode', label: '改派单位（同意时必填）', type: 'select', empty: '—', options: o.departments },
          note(),
        ],
        submit: submit('提交审核'),
      };
    case 'request_extension':
      return {
        fields: [
          { name: 'workingDays', label: '延期工作日数', type: 'number', required: true, hint: '1–30个工作日，须在办理期限前申请', attrs: { min: 1, max: 30, inputmode: 'numeric' } },
          area('reason', '延期理由', { required: true }),
        ],
        submit: submit('申请延期'),
      };
    case 'decide_extension':
      return {
        fields: [note('审批意见（可不填）')],
        submit: [
          { label: '批准延期', name: 'approve', value: 'true', kind: 'primary' },
          { label: '不批准', name: 'approve', value: 'false', kind: 'danger' },
        ],
      };
    case 'reply':
      return {
        fields: [
          area('reply', '答复内容（群众可见）', { required: true, attrs: { rows: 5, maxlength: 2000 } }),
          { name: 'result', label: '办理结果', type: 'radio', required: true, options: opts(LABELS.result, REPLY_RESULTS) },
          text('publicSummary', '公示摘要（可不填，不要写姓名电话）', 200),
        ],
        submit: submit('提交答复'),
      };
    case 'record_followup':
      return {
        fields: [
          { name: 'resolved', label: '问题是否解决', type: 'radio', required: true, options: yesNo('已解决', '未解决') },
          { name: 'satisfaction', label: '满意度', type: 'radio', required: true, options: opts(LABELS.satisfaction, [...REACHED_SATISFACTIONS, 'unreachable']) },
          note('回访记录（内部）'),
        ],
        submit: submit('记录回访'),
      };
    case 'reject':
      return { fields: [area('reason', '不予受理理由（群众可见）', { required: true })], submit: submit('不予受理', 'danger') };
    case 'merge':
      return {
        fields: [text('intoTicketNo', '并入的工单号', 24, { required: true, hint: '保留的那张工单，如 20261125-483920-7', attrs: { inputmode: 'numeric' } })],
        submit: submit('并单', 'danger'),
      };
    case 'reopen':
      return {
        fields: [
          area('reason', '重办原因', { required: true }),
          { name: 'departmentCode', label: '承办单位', type: 'select', empty: '原承办单位', options: o.departments },
        ],
        submit: submit('重办'),
      };
    case 'comment':
      return {
        fields: [area('note', '备注内容', { required: true }), { name: 'public', label: '群众可见（显示在查询页的办理进度中）', type: 'checkbox' }],
        submit: submit('添加备注', 'plain'),
      };
    case 'instruct':
      return {
        fields: [
          area('note', '批示内容', { required: true }),
          { name: 'resolveWithin', label: '限期办结（可不填）', type: 'duration', hint: '从办理时限起算；只能缩短办理期限' },
        ],
        submit: submit('批示'),
      };
    case 'request_pause':
      return {
        fields: [
          area('reason', '中止计时理由（群众可见）', { required: true, hint: '如：需等待鉴定结果、当事人外出等；批准后办理期限暂停计时' }),
          { name: 'until', label: '预计恢复时间（可不填）', type: 'datetime-local' },
        ],
        submit: submit('申请中止计时'),
      };
    case 'decide_pause':
      return {
        fields: [note('审批意见（可不填）')],
        submit: [
          { label: '批准中止计时', name: 'approve', value: 'true', kind: 'primary' },
          { label: '不批准', name: 'approve', value: 'false', kind: 'danger' },
        ],
      };
    case 'resume':
      return { fields: [note('备注（内部，可不填）')], submit: submit('恢复计时') };
    case 'request_screening':
      return {
        fields: [
          { name: 'category', label: '甄别类别', type: 'radio', required: true, options: opts(SCREENING_LABELS, SCREENING_CATEGORIES) },
          area('reason', '甄别理由', { required: true, hint: '经甄别的诉求仍须答复群众，但不计入三率考核' }),
        ],
        submit: submit('申请甄别'),
      };
    case 'decide_screening':
      return {
        fields: [note('审批意见（可不填）')],
        submit: [
          { label: '同意甄别', name: 'approve', value: 'true', kind: 'primary' },
          { label: '不同意', name: 'approve', value: 'false', kind: 'danger' },
        ],
      };
    case 'report_up':
      return { fields: [area('reason', '上报理由（超出乡镇职权的事项）', { required: true })], submit: submit('上报', 'danger') };
    case 'submit_cohandling':
      return { fields: [area('note', '协办意见（供主办单位答复时参考）', { required: true })], submit: submit('提交协办意见') };
    case 'waive_cohandling':
      return {
        fields: [
          { name: 'departmentCode', label: '免除哪个协办单位', type: 'select', required: true, empty: '请选择', options: o.departments },
          area('reason', '免除理由', { required: true }),
        ],
        submit: submit('免除协办', 'danger'),
      };
  }
}

const duration = (name: string, label: string, required = true, hint?: string): FieldSpec => ({ name, label, type: 'duration', required, hint });
const activeBox: FieldSpec = { name: 'active', label: '启用', type: 'checkbox' };

export function userFields(o: CatalogueOptions, creating: boolean): FieldSpec[] {
  return [
    ...(creating ? [text('username', '用户名', 40, { required: true, hint: '字母、数字、_ . -，2–40个字符' })] : []),
    text('displayName', '姓名', 40, { required: true }),
    {
      name: 'password', label: creating ? '初始密码' : '新密码', type: 'password', required: creating,
      hint: creating ? '至少10个字符' : '留空则不修改；修改后该用户须重新登录', attrs: { autocomplete: 'new-password', maxlength: 200 },
    },
    { name: 'roles', label: '角色', type: 'checkboxes', required: true, options: opts(LABELS.role, ROLES) },
    { name: 'departmentCode', label: '所属部门', type: 'select', empty: '无（承办人必须选择）', options: o.departments },
    { ...activeBox, hint: creating ? undefined : '停用后该用户立即退出登录' },
  ];
}

export function departmentFields(creating: boolean): FieldSpec[] {
  return [
    ...(creating ? [text('code', '代码', 40, { required: true, hint: '小写字母、数字、- 和 _，创建后不能修改' })] : []),
    text('name', '名称', 60, { required: true }),
    { name: 'kind', label: '类型', type: 'select', required: true, options: opts(LABELS.deptKind, ['office', 'village']) },
    activeBox,
  ];
}

export function categoryFields(o: CatalogueOptions, creating: boolean): FieldSpec[] {
  return [
    ...(creating ? [text('code', '代码', 40, { required: true, hint: '小写字母、数字、- 和 _，创建后不能修改' })] : []),
    text('name', '名称', 60, { required: true }),
    { name: 'departmentCode', label: '承办单位', type: 'select', required: true, empty: '请选择', options: o.departments },
    text('keywords', '关键词', 2000, { hint: '用逗号或空格分隔，用于分类建议' }),
    duration('resolveWithin', '办结时限（覆盖诉求类型的默认值）', false, '留空则按诉求类型的默认时限'),
    duration('signOffWithin', '签收时限（覆盖默认值）', false, '留空则按默认时限'),
    activeBox,
  ];
}

export const DURATION_UNITS = opts(LABELS.unit, ['minutes', 'hours', 'days', 'working_days']);

const LADDER_LABELS = { warningBefore: '预警：期限前', escalatedAfter: '督办：逾期后', summonsAfter: '约谈：逾期后' } as const;

export function slaGroups(): { legend: string; fields: FieldSpec[] }[] {
  return [
    {
      legend: '各类诉求的时限',
      fields: KINDS.flatMap((k) => [
        duration(`kinds.${k}.signOff`, `${LABELS.kind[k]} · 签收`),
        duration(`kinds.${k}.resolve`, `${LABELS.kind[k]} · 办结`),
      ]),
    },
    { legend: '回访', fields: [duration('followUp', '答复后回访时限')] },
    ...(['resolve', 'signOff'] as const).map((l) => ({
      legend: l === 'resolve' ? '办结期限的督办阶梯' : '签收期限的督办阶梯',
      fields: (Object.keys(LADDER_LABELS) as (keyof typeof LADDER_LABELS)[]).map((s) => duration(`ladders.${l}.${s}`, LADDER_LABELS[s])),
    })),
  ];
}

export function calendarFields(year: number): FieldSpec[] {
  return [
    area('holidays', '法定节假日（放假日）', { hint: `每行一个日期（${year}-10-01），或用“~”写一段（${year}-10-01~${year}-10-07）`, attrs: { rows: 12 } }),
    area('workdays', '调休上班日（周末上班）', { hint: '每行一个日期，须为周六或周日', attrs: { rows: 6 } }),
  ];
}

/** A month (`<input type="month">`; where a browser shows a text box, YYYY-MM typed works too). */
export const monthField = (label = '月份'): FieldSpec => ({
  name: 'month', label, type: 'month', required: true, hint: '格式：年-月，如 2026-11', attrs: { pattern: '\\d{4}-\\d{2}', placeholder: '2026-11' },
});

/** Generating (or regenerating) a month's notice draft. */
export function noticeFields(): FieldSpec[] {
  return [
    monthField('公示月份'),
    area('nextSteps', '下一步工作（选填）', { hint: '写在公示末尾。留空则沿用上一版的内容。', attrs: { rows: 4 } }),
  ];
}

const OPEN_FILTER = OPEN_STATUSES.join(',');

/** The ticket list's filter form (GET): names are the API's query parameters. */
export function listFilterFields(o: CatalogueOptions): FieldSpec[] {
  const any = '全部';
  return [
    text('q', '搜索', 100, { hint: '工单号、电话或后4位、姓名、内容', attrs: { type: 'search' } }),
    {
      name: 'status', label: '状态', type: 'select', empty: any,
      options: [{ value: OPEN_FILTER, label: '未办结（全部）' }, ...opts(LABELS.status, Object.keys(LABELS.status))],
    },
    { name: 'departmentCode', label: '承办单位', type: 'select', empty: any, options: o.departments },
    { name: 'categoryCode', label: '分类', type: 'select', empty: any, options: o.categories },
    { name: 'kind', label: '类型', type: 'select', empty: any, options: opts(LABELS.kind, KINDS) },
    { name: 'channel', label: '渠道', type: 'select', empty: any, options: opts(LABELS.channel, CHANNELS) },
    { name: 'escalation', label: '督办级别', type: 'select', empty: any, options: opts(LABELS.level, Object.keys(LABELS.level)) },
    { name: 'overdue', label: '仅看逾期', type: 'checkbox' },
  ];
}

export function apiKeyFields(): FieldSpec[] {
  return [
    { name: 'name', label: '名称', type: 'text', required: true, hint: '用于识别调用方，如“县12345平台”', attrs: { maxlength: 60 } },
    { name: 'scopes', label: '权限范围', type: 'checkboxes', required: true, options: API_SCOPES.map((value) => ({ value, label: `${API_SCOPE_LABELS[value]}（${value}）` })) },
  ];
}
