// The one error type of the domain and services: a string code (SPEC §12) plus field details.
// The HTTP error plugin maps codes to status codes; messages are Simplified Chinese because clerks
// and residents read them.

export interface ErrorDetail {
  path: string;
  message: string;
}

export const ERROR_MESSAGES = {
  VALIDATION_FAILED: '提交的内容有误，请按提示修改',
  ILLEGAL_TRANSITION: '工单当前状态不允许此操作',
  FORBIDDEN: '您没有权限进行此操作',
  TICKET_NOT_FOUND: '未找到该工单，请核对工单号',
  TICKET_NO_INVALID: '工单号校验位不正确，请重新核对工单号',
  NOT_FOUND: '未找到请求的内容',
  UNAUTHENTICATED: '请先登录',
  INVALID_CREDENTIALS: '用户名或密码错误',
  SIGNATURE_INVALID: '签名校验失败：请求不是来自已配置的微信/企业微信平台，或 Token 配置不一致',
  ACCOUNT_LOCKED: '登录失败次数过多，该账号已暂时锁定，请15分钟后再试',
  CSRF_FAILED: '安全校验失败，请刷新页面后重试',
  PASSWORD_CHANGE_REQUIRED: '请先修改初始密码，修改后才能进行其他操作',
  IDEMPOTENCY_KEY_MISSING: '缺少 Idempotency-Key 请求头',
  IDEMPOTENCY_KEY_REUSED: '该 Idempotency-Key 已用于内容不同的登记请求',
  IDEMPOTENCY_IN_PROGRESS: '相同的登记请求正在处理中，请稍后重试',
  LOOKUP_LOCKED: '该工单号验证失败次数过多，查询已锁定1小时',
  RATE_LIMITED: '请求过于频繁，请稍后再试',
  CONFLICT: '数据已存在或与现有数据冲突',
  EXTENSION_PENDING: '已有待审批的延期申请',
  EXTENSION_TOO_LATE: '办理期限已过，不能再申请延期',
  COHANDLING_PENDING: '协办单位尚未全部反馈意见，暂不能答复',
  CALENDAR_MISSING: '该年度的节假日安排尚未配置',
  PAYLOAD_TOO_LARGE: '上传的内容超过大小限制',
  UNSUPPORTED_MEDIA_TYPE: '不支持的文件类型',
  SERVICE_UNAVAILABLE: '服务暂时不可用，请稍后重试',
  DEPENDENCY_UNAVAILABLE: '系统暂时无法连接数据库或队列服务，请稍后重试；已提交成功的内容不会丢失',
  INTERNAL_ERROR: '系统内部错误，请稍后重试或联系管理员',
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES | (string & {});

export class DomainError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message?: string,
    public readonly details?: ErrorDetail[],
    public readonly extra?: Record<string, unknown>,
  ) {
    super(message ?? (ERROR_MESSAGES as Record<string, string>)[code] ?? code);
    this.name = 'DomainError';
  }
}

export function validationError(details: ErrorDetail[], message?: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, details);
}
