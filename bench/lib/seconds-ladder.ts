// The seconds-scale SLA policy the deadline benchmarks run under: `help` tickets signed off and
// resolved within a minute, ladder steps seconds apart. Installs it with the workers idle (the
// earlier phases' outbox backlog is marked published, so it is not what is measured) and gives back
// the way to put the policy in force before it.
import type pg from 'pg';

const min = (seconds: number) => ({ amount: seconds / 60, unit: 'minutes' as const });

export async function installSecondsLadder(db: pg.Pool): Promise<{ restore: () => Promise<void> }> {
  await db.query('UPDATE outbox SET published_at = now() WHERE published_at IS NULL');
  const { rows } = await db.query<{ policy: Record<string, unknown> & { kinds: Record<string, unknown> } }>('SELECT policy FROM sla_policy WHERE id = 1');
  const base = rows[0].policy;
  const policy = {
    ...base,
    kinds: { ...base.kinds, help: { signOff: min(60), resolve: min(60) } },
    ladders: {
      signOff: { warningBefore: min(60), escalatedAfter: min(3600), summonsAfter: min(7200) },
      resolve: { warningBefore: min(30), escalatedAfter: min(3600), summonsAfter: min(7200) },
    },
  };
  // The policy cache lives in each process's deps: the measure's deps and the workers start after this.
  await db.query('UPDATE sla_policy SET policy = $1, updated_at = now() WHERE id = 1', [JSON.stringify(policy)]);
  return { restore: async () => void (await db.query('UPDATE sla_policy SET policy = $1, updated_at = now() WHERE id = 1', [JSON.stringify(base)])) };
}
