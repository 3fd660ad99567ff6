// The lifecycle table of SPEC §3, cell by cell: every state × action × actor, against an expected
// table written out here by hand (not derived from src/domain/ticket-rules.ts), plus a property
// test that random walks never break the lifecycle's invariants. Paths: ticket-paths.test.ts.

import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import fc from 'fast-check';
import { DomainError } from '../../src/domain/errors.js';
import { generateTicketNo } from '../../src/domain/ticket-number.js';
import {
  ACTIONS,
  TICKET_STATUSES,
  allowedActions,
  canSee,
  decide,
  type ActionInput,
  type Actor,
  type TicketAction,
  type TicketState,
  type TicketStatus,
} from '../../src/domain/ticket.js';

const NOW = new Date('2026-11-25T02:00:00Z');
const DUE = new Date('2026-12-10T15:59:59Z');
const OWN = 'dongshan';
const OTHER = 'xishan';
const TICKET_NO = generateTicketNo(NOW, '483920');
const OTHER_NO = generateTicketNo(NOW, '111111');

function ticket(status: TicketStatus, patch: Partial<TicketState> = {}): TicketState {
  return {
    ticketNo: TICKET_NO,
    status,
    outcome: status === 'closed' ? 'resolved' : status === 'merged' ? 'merged' : null,
    departmentCode: status === 'registered' ? null : OWN,
    categoryCode: 'dibao',
    reopenCount: 0,
    pendingExtension: null,
    dueAt: DUE,
    leaderAttention: false,
    replyResult: status === 'replied' || status === 'closed' ? 'resolved' : null,
    satisfaction: status === 'closed' ? 'satisfied' : null,
    followupRecordedThisRound: status === 'closed',
    ...patch,
  };
}

const staff = (roles: Actor['roles'], departmentCode: string | null = null): Actor => ({
  kind: 'user',
  id: `u-${roles.join('-')}-${departmentCode ?? 'x'}`,
  roles,
  departmentCode,
});

const ACTORS = {
  clerk: staff(['clerk']),
  handler: staff(['handler'], OWN),
  supervisor: staff(['supervisor']),
  leader: staff(['leader']),
  admin: staff(['admin']),
  handlerOther: staff(['handler'], OTHER),
  clerkHandler: staff(['clerk', 'handler'], OWN),
  clerkHandlerOther: staff(['clerk', 'handler'], OTHER),
  resident: { kind: 'resident', id: null, roles: [], departmentCode: null } as Actor,
  system: { kind: 'system', id: null, roles: [], departmentCode: null } as Actor,
};
type ActorKey = keyof typeof ACTORS;

const STATES = {
  registered: ticket('registered'),
  assigned: ticket('assigned'),
  in_progress: ticket('in_progress'),
  'in_progress+pending': ticket('in_progress', {
    pendingExtension: { workingDays: 5, reason: '需要现场勘察' },
  }),
  returned: ticket('returned'),
  replied: ticket('replied'),
  closed: ticket('closed'),
  merged: ticket('merged'),
  // SPEC §18
  'in_progress+pausePending': ticket('in_progress', { pendingPause: { reason: '等待鉴定结果', until: null } }),
  'in_progress+paused': ticket('in_progress', { paused: true }),
  'in_progress+screeningPending': ticket('in_progress', { pendingScreening: { category: 'repeated', reason: '重复反映' } }),
  // The other department co-handles (协办): its sign-off awaited, then its answer.
  'in_progress+coAssigned': ticket('in_progress', { coHandlers: [{ departmentCode: OTHER, state: 'assigned', assignedAt: NOW.toISOString() }] }),
  'in_progress+coAccepted': ticket('in_progress', { coHandlers: [{ departmentCode: OTHER, state: 'accepted', assignedAt: NOW.toISOString() }] }),
};
type StateKey = keyof typeof STATES;

function validInput(action: TicketAction, actor: Actor): ActionInput {
  switch (action) {
    case 'assign': return { action, departmentCode: OWN, categoryCode: 'dibao' };
    case 'accept': return { action };
    case 'return': return { action, reasonCode: 'wrong_function', reason: '不属于本单位职能' };
    case 'decide_return': return { action, accept: true, departmentCode: OTHER };
    case 'request_extension': return { action, workingDays: 5, reason: '需要协调' };
    case 'decide_extension': return { action, approve: true };
    case 'reply': return { action, reply: '已上门处理', result: 'resolved' };
    case 'record_followup':
      return { action, resolved: true, satisfaction: actor.kind === 'system' ? 'no_response' : 'satisfied' };
    case 'reject': return { action, reason: '不属于政府职能范围' };
    case 'merge': return { action, intoTicketNo: OTHER_NO };
    case 'reopen': return { action, reason: '群众再次反映' };
    case 'comment': return { action, note: '已电话联系', public: false };
    case 'instruct': return { action, note: '请尽快办理' };
    case 'request_pause': return { action, reason: '等待司法鉴定结果', until: null };
    case 'decide_pause': return { action, approve: true };
    case 'resume': return { action };
    case 'request_screening': return { action, category: 'repeated', reason: '与上月诉求相同' };
    case 'decide_screening': return { action, approve: true };
    case 'report_up': return { action, reason: '超出乡镇职权' };
    case 'submit_cohandling': return { action, note: '本单位意见：同意主办单位方案' };
    case 'waive_cohandling': return { action, departmentCode: OTHER, reason: '协办单位无需参与' };
  }
}

// One letter per action, in this order:
//   assign accept return decide_return request_extension decide_extension reply
//   record_followup reject merge reopen comment instruct
//   request_pause decide_pause resume request_screening decide_screening report_up
//   submit_cohandling waive_cohandling (SPEC §18)
// o ok · I ILLEGAL_TRANSITION · F FORBIDDEN · N TICKET_NOT_FOUND · P EXTENSION_PENDING
// C COHANDLING_PENDING (the lead's reply waits for every co-handling answer)
// X ILLEGAL_TRANSITION because of a pending request or a flag (no extension, pause or screening
//   request pending; a pause or screening already pending or in force; not paused)
const CLERK = {
  registered: 'oFFFFFFIooFoFFFFFFFFF', assigned: 'IFFFFFFIIoFoFFFFFFFFF', in_progress: 'IFFFFFFIIoFoFFFFFFFFF',
  'in_progress+pending': 'IFFFFFFIIoFoFFFFFFFFF', returned: 'oFFFFFFIooFoFFFFFFFFF', replied: 'IFFFFFFoIIFoFFFFFFFFF',
  closed: 'IFFFFFFIIIFoFFFFFFFFF', merged: 'IFFFFFFIIIFoFFFFFFFFF',
  'in_progress+pausePending': 'IFFFFFFIIoFoFFFFFFFFF', 'in_progress+paused': 'IFFFFFFIIoFoFFFFFFFFF', 'in_progress+screeningPending': 'IFFFFFFIIoFoFFFFFFFFF',
  'in_progress+coAssigned': 'IFFFFFFIIoFoFFFFFFFFF', 'in_progress+coAccepted': 'IFFFFFFIIoFoFFFFFFFFF',
};
const LEADER_OPEN = 'FFFFFFFFFFFooFFFFFFFF';
const LEADER_DONE = 'FFFFFFFFFFFoIFFFFFFFF';
const ALL = (c: string): Record<StateKey, string> =>
  Object.fromEntries(Object.keys(STATES).map((s) => [s, c.repeat(ACTIONS.length)])) as Record<StateKey, string>;

const EXPECTED: Record<ActorKey, Record<StateKey, string>> = {
  clerk: CLERK,
  handler: {
    registered: 'NNNNNNNNNNNNNNNNNNNNN', assigned: 'FooFIFIFFFFoFIFIIFFFF', in_progress: 'FIoFoFoFFFFoFoFXoFFFF',
    'in_progress+pending': 'FIoFPFoFFFFoFoFXoFFFF', returned: 'FIIFIFIFFFFoFIFIIFFFF', replied: 'FIIFIFIFFFFoFIFIIFFFF',
    closed: 'FIIFIFIFFFFoFIFIIFFFF', merged: 'FIIFIFIFFFFoFIFIIFFFF',
    'in_progress+pausePending': 'FIoFoFoFFFFoFXFXoFFFF', 'in_progress+paused': 'FIoFoFoFFFFoFXFooFFFF', 'in_progress+screeningPending': 'FIoFoFoFFFFoFoFXXFFFF',
    'in_progress+coAssigned': 'FIoFoFCFFFFoFoFXoFFFF', 'in_progress+coAccepted': 'FIoFoFCFFFFoFoFXoFFFF',
  },
  supervisor: {
    registered: 'oFFIFIFIooIoFFIIFIoFI', assigned: 'IFFIFIFIIoIoFFIIFIoFX', in_progress: 'IFFIFXFIIoIoFFXXFXoFX',
    'in_progress+pending': 'IFFIFoFIIoIoFFXXFXoFX', returned: 'oFFoFIFIooIoFFIIFIoFX', replied: 'IFFIFIFoIIIoFFIIFXIFI',
    closed: 'IFFIFIFIIIooFFIIFIIFI', merged: 'IFFIFIFIIIIoFFIIFIIFI',
    'in_progress+pausePending': 'IFFIFXFIIoIoFFoXFXoFX', 'in_progress+paused': 'IFFIFXFIIoIoFFXoFXoFX', 'in_progress+screeningPending': 'IFFIFXFIIoIoFFXXFooFX',
    'in_progress+coAssigned': 'IFFIFXFIIoIoFFXXFXoFo', 'in_progress+coAccepted': 'IFFIFXFIIoIoFFXXFXoFo',
  },
  leader: {
    registered: LEADER_OPEN, assigned: LEADER_OPEN, in_progress: LEADER_OPEN,
    'in_progress+pending': LEADER_OPEN, returned: LEADER_OPEN, replied: LEADER_OPEN,
    closed: LEADER_DONE, merged: LEADER_DONE,
    'in_progress+pausePending': LEADER_OPEN, 'in_progress+paused': LEADER_OPEN, 'in_progress+screeningPending': LEADER_OPEN,
    'in_progress+coAssigned': LEADER_OPEN, 'in_progress+coAccepted': LEADER_OPEN,
  },
  admin: ALL('F'),
  // Sees only the tickets its department co-handles: signs off, answers, comments (SPEC §18).
  handlerOther: { ...ALL('N'), 'in_progress+coAssigned': 'FoFFFFFFFFFoFFFFFFFXF', 'in_progress+coAccepted': 'FXFFFFFFFFFoFFFFFFFoF' },
  // Holds clerk too, but never follows up the answer of their own department.
  clerkHandler: {
    registered: 'oFFFFFFIooFoFFFFFFFFF', assigned: 'IooFIFIFIoFoFIFIIFFFF', in_progress: 'IIoFoFoFIoFoFoFXoFFFF',
    'in_progress+pending': 'IIoFPFoFIoFoFoFXoFFFF', returned: 'oIIFIFIFooFoFIFIIFFFF', replied: 'IIIFIFIFIIFoFIFIIFFFF',
    closed: 'IIIFIFIFIIFoFIFIIFFFF', merged: 'IIIFIFIFIIFoFIFIIFFFF',
    'in_progress+pausePending': 'IIoFoFoFIoFoFXFXoFFFF', 'in_progress+paused': 'IIoFoFoFIoFoFXFooFFFF', 'in_progress+screeningPending': 'IIoFoFoFIoFoFoFXXFFFF',
    'in_progress+coAssigned': 'IIoFoFCFIoFoFoFXoFFFF', 'in_progress+coAccepted': 'IIoFoFCFIoFoFoFXoFFFF',
  },
  clerkHandlerOther: { ...CLERK, 'in_progress+coAssigned': 'IoFFFFFIIoFoFFFFFFFXF', 'in_progress+coAccepted': 'IXFFFFFIIoFoFFFFFFFoF' },
  resident: {
    registered: 'FFFFFFFIFFFFFFFFFFFFF', assigned: 'FFFFFFFIFFFFFFFFFFFFF', in_progress: 'FFFFFFFIFFFFFFFFFFFFF',
    'in_progress+pending': 'FFFFFFFIFFFFFFFFFFFFF', returned: 'FFFFFFFIFFFFFFFFFFFFF', replied: 'FFFFFFFoFFFFFFFFFFFFF',
    closed: 'FFFFFFFoFFFFFFFFFFFFF', merged: 'FFFFFFFIFFFFFFFFFFFFF',
    'in_progress+pausePending': 'FFFFFFFIFFFFFFFFFFFFF', 'in_progress+paused': 'FFFFFFFIFFFFFFFFFFFFF', 'in_progress+screeningPending': 'FFFFFFFIFFFFFFFFFFFFF',
    'in_progress+coAssigned': 'FFFFFFFIFFFFFFFFFFFFF', 'in_progress+coAccepted': 'FFFFFFFIFFFFFFFFFFFFF',
  },
  system: {
    registered: 'oFFFFFFIFFFFFFFFFFFFF', assigned: 'IFFFFFFIFFFFFFFFFFFFF', in_progress: 'IFFFFFFIFFFFFFFFFFFFF',
    'in_progress+pending': 'IFFFFFFIFFFFFFFFFFFFF', returned: 'oFFFFFFIFFFFFFFFFFFFF', replied: 'IFFFFFFoFFFFFFFFFFFFF',
    closed: 'IFFFFFFIFFFFFFFFFFFFF', merged: 'IFFFFFFIFFFFFFFFFFFFF',
    'in_progress+pausePending': 'IFFFFFFIFFFFFFFFFFFFF', 'in_progress+paused': 'IFFFFFFIFFFFFFFFFFFFF', 'in_progress+screeningPending': 'IFFFFFFIFFFFFFFFFFFFF',
    'in_progress+coAssigned': 'IFFFFFFIFFFFFFFFFFFFF', 'in_progress+coAccepted': 'IFFFFFFIFFFFFFFFFFFFF',
  },
};

const CODE_OF: Record<string, string> = {
  I: 'ILLEGAL_TRANSITION', F: 'FORBIDDEN', N: 'TICKET_NOT_FOUND',
  P: 'EXTENSION_PENDING', X: 'ILLEGAL_TRANSITION', C: 'COHANDLING_PENDING',
};

function outcomeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
}

t.test('every state × action × actor cell', async (t) => {
  t.equal(ACTIONS.length, 21);
  t.same(new Set(Object.values(STATES).map((s) => s.status)), new Set(TICKET_STATUSES));
  let cells = 0;
  for (const [actorKey, actor] of Object.entries(ACTORS) as [ActorKey, Actor][]) {
    for (const [stateKey, state] of Object.entries(STATES) as [StateKey, TicketState][]) {
      const row = EXPECTED[actorKey][stateKey];
      t.equal(row.length, ACTIONS.length, `${actorKey}/${stateKey} row is complete`);
      const allowed = allowedActions(state, actor, NOW);
      ACTIONS.forEach((action, i) => {
        const want = row[i] === 'o' ? 'ok' : CODE_OF[row[i]];
        const got = outcomeOf(() => decide(state, validInput(action, actor), actor, NOW));
        cells++;
        t.equal(got, want, `${actorKey} ${action} on ${stateKey}`);
        t.equal(allowed.includes(action), want === 'ok', `allowedActions(${actorKey}, ${stateKey}) ${action}`);
      });
    }
  }
  t.equal(cells, 10 * 13 * 21, 'all cells checked');
});

t.test('409 names the current state and what the caller may do now', async (t) => {
  const err = t.throws(() =>
    decide(STATES.replied, { action: 'reject', reason: '重复' }, ACTORS.supervisor, NOW),
  ) as DomainError;
  t.equal(err.code, 'ILLEGAL_TRANSITION');
  t.match(err.message, /已答复（待回访）/);
  t.match(err.message, /不予受理/);
  t.same(err.extra, { status: 'replied', allowedActions: ['record_followup', 'comment'] });
  const forbidden = t.throws(() =>
    decide(STATES.assigned, validInput('assign', ACTORS.leader), ACTORS.leader, NOW),
  ) as DomainError;
  t.equal(forbidden.code, 'FORBIDDEN');
  t.equal(forbidden.extra, undefined, 'a 403 does not list the actions of others');
});

t.test('canSee: handlers only their own department, other staff everything', async (t) => {
  const own = { departmentCode: OWN };
  t.ok(canSee(own, ACTORS.handler));
  t.notOk(canSee(own, ACTORS.handlerOther));
  t.notOk(canSee({ departmentCode: null }, ACTORS.handler), 'unassigned belongs to no department');
  t.notOk(canSee(own, staff(['handler'], null)), 'a handler without department sees nothing');
  for (const k of ['clerk', 'supervisor', 'leader', 'admin', 'clerkHandlerOther'] as const) {
    t.ok(canSee(own, ACTORS[k]), k);
    t.ok(canSee({ departmentCode: null }, ACTORS[k]), `${k} sees unassigned`);
  }
  t.notOk(canSee(own, staff([])), 'a user without roles sees nothing');
  t.notOk(canSee(own, ACTORS.resident), 'residents only use the public lookup');
});

t.test('property: random walks keep the lifecycle invariants', async (t) => {
  const actorKeys = Object.keys(ACTORS) as ActorKey[];
  // Half the steps pick among the (actor, action) pairs allowed now, so walks go deep into the
  // lifecycle; the other half are arbitrary and mostly refused.
  const step = fc.record({
    free: fc.boolean(),
    pick: fc.nat(),
    actor: fc.constantFrom(...actorKeys),
    action: fc.constantFrom(...ACTIONS),
    minutes: fc.integer({ min: 0, max: 60 * 24 * 3 }),
    unhappy: fc.boolean(),
    dept: fc.constantFrom(OWN, OTHER),
  });
  const reached = new Set<string>();
  fc.assert(
    fc.property(fc.array(step, { minLength: 5, maxLength: 60 }), (steps) => {
      let state = ticket('registered');
      let at = NOW.getTime();
      for (const s of steps) {
        at += s.minutes * 60_000;
        const now = new Date(at);
        const pairs = actorKeys.flatMap((k) =>
          allowedActions(state, ACTORS[k], now).map((a) => [k, a] as const),
        );
        const [actorKey, action] = s.free ? [s.actor, s.action] : pairs[s.pick % pairs.length];
        const actor = ACTORS[actorKey];
        let input = validInput(action, actor);
        if (input.action === 'record_followup' && s.unhappy && actor.kind !== 'system') {
          input = { ...input, resolved: false, satisfaction: 'dissatisfied' };
        }
        if (input.action === 'assign') input = { ...input, departmentCode: s.dept };
        if (input.action === 'reopen' && !state.departmentCode) input = { ...input, departmentCode: s.dept };
        if (input.action === 'decide_return') {
          input = { ...input, departmentCode: state.departmentCode === OWN ? OTHER : OWN };
        }
        const before = structuredClone(state);
        const allowed = allowedActions(state, actor, now).includes(action);
        let d;
        try {
          d = decide(state, input, actor, now);
        } catch (e) {
          if (!(e instanceof DomainError) || e.code === 'VALIDATION_FAILED') throw e;
          if (allowed) throw new Error(`${action} allowed but refused: ${e.code}`);
          continue;
        }
        if (!allowed) throw new Error(`${action} refused by allowedActions but decided`);
        if (!isDeepStrictEqual(state, before)) throw new Error('decide mutated its input');
        const { next, events } = d;
        const done = next.status === 'closed' || next.status === 'merged';
        if (done !== (next.outcome !== null)) throw new Error(`outcome ${next.outcome} in ${next.status}`);
        if (next.pendingExtension && next.status !== 'in_progress') throw new Error('stray extension');
        if (['assigned', 'in_progress', 'returned', 'replied'].includes(next.status) && !next.departmentCode) {
          throw new Error(`${next.status} without department`);
        }
        if (next.reopenCount < state.reopenCount) throw new Error('reopenCount went down');
        if (events.length === 0 || events.some((e) => e.at.getTime() !== at)) throw new Error('events');
        const closedEvents = events.filter((e) => e.type === 'closed');
        const intoClosed = next.status === 'closed' && state.status !== 'closed';
        if (closedEvents.length !== (intoClosed ? 1 : 0)) throw new Error('closed event count');
        if (intoClosed && closedEvents[0].data.outcome !== next.outcome) throw new Error('closed outcome');
        reached.add(next.status === 'closed' ? `closed:${next.outcome}` : next.status);
        if (next.reopenCount >= 2) reached.add('reopened twice');
        state = next;
      }
    }),
    { numRuns: 300, seed: 20261125 },
  );
  // The walk must actually exercise the lifecycle, or the invariants above prove nothing.
  const expected = ['assigned', 'in_progress', 'returned', 'replied', 'merged', 'closed:rejected',
    'closed:resolved', 'reopened twice'];
  for (const s of expected) {
    t.ok(reached.has(s), `random walks reached ${s}`);
  }
});
