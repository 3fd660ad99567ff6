// Who may do what (SPEC §1, §10): the one table of staff capabilities outside the ticket lifecycle.
// The route guards (API and pages), the API-key scopes, the page navigation and the pages' buttons
// all read it. What each role may do to a ticket is the lifecycle's own table, ACTION_ROLES in
// ticket-rules.ts (with department scoping for handlers), which decide() and the action buttons read.
import { isIntakeScope } from './api-scopes.js';
import type { Role } from './roles.js';

export const CAPABILITY_ROLES = {
  /** Register a demand and have it classified while typing (API and the registration form). */
  register: ['clerk', 'supervisor', 'grid'],
  /** The phone registration page with camera and location, and "my reports" (SPEC §17). */
  registerOnPhone: ['clerk', 'grid'],
  /** WeChat messages waiting for triage and their files (SPEC §17): the service hall's, not a grid worker's. */
  triageIntake: ['clerk', 'supervisor'],
  /** The supervision board: escalated and overdue tickets, unstaffed departments. */
  supervise: ['supervisor', 'leader'],
  /** The monthly statistics (三率) per department and handler, and their CSV. */
  readStats: ['supervisor', 'leader'],
  /** Freeze a finished month's statistics for the performance evaluation. */
  freezeStats: ['supervisor'],
  /** Generate, publish and hold the monthly public notice. */
  editNotices: ['admin', 'supervisor'],
  /** Mark a ticket's image public (shown to the resident, metadata stripped) or private again. */
  publishAttachments: ['clerk', 'handler', 'supervisor'],
  /** Users, departments, categories, deadlines policy, calendar, API keys, queues. */
  administer: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITY_ROLES;

/** The API-key scopes that carry a capability (an integration registering demands). */
export const CAPABILITY_SCOPES: Partial<Record<Capability, (scope: string) => boolean>> = {
  register: isIntakeScope,
};

export function can(roles: readonly Role[], capability: Capability): boolean {
  const allowed: readonly Role[] = CAPABILITY_ROLES[capability];
  return roles.some((r) => allowed.includes(r));
}
