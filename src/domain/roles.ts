// Staff roles (SPEC §1) and their Chinese labels. `grid` (网格员, SPEC §17) registers from a phone and
// sees only the tickets they registered.
export const ROLES = ['clerk', 'handler', 'supervisor', 'leader', 'admin', 'grid'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  clerk: '登记员',
  handler: '承办人',
  supervisor: '督办员',
  leader: '领导',
  admin: '管理员',
  grid: '网格员',
};
