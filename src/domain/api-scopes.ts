// Integration API-key scopes (SPEC §10): the one list, with what each lets a system do.
export const API_SCOPES = ['open311', 'intake:hotline', 'intake:api'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const API_SCOPE_LABELS: Record<ApiScope, string> = {
  open311: 'Open311 客户端（提交、查询诉求）',
  'intake:hotline': '12345 热线工单推送',
  'intake:api': '其他系统登记诉求',
};

/** Scopes that may register a ticket through POST /api/v1/tickets. */
export const isIntakeScope = (scope: string): boolean => scope.startsWith('intake:');
