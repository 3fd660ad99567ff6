// Staff roles (SPEC §1) and their Chinese labels.
export const ROLES = ['clerk', 'handler', 'supervisor', 'leader', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  clerk: '登记员',
  handler: '承办人',
  supervisor: '督办员',
  leader: '领导',
  admin: '管理员',
};
