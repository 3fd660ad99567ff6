// Least privilege in the database. Migrations run as the owner of the tables
// (MIGRATION_DATABASE_URL); the application connects as its own role (DATABASE_URL) that owns
// nothing and may only read, write and delete rows — and only read and append on the tables that
// are evidence (audit log, timelines, checkpoints). ensureAppRole writes those grants, idempotently,
// after the migrations at every start and as `npm run cli -- db:roles`; checkAppRole lists what
// the role could do beyond them.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_APP_ROLE = 'huiying_app';

/** The evidence: the application may read them and append to them, never change or remove a row. */
export const APPEND_ONLY_TABLES = ['audit_log', 'ticket_events', 'audit_checkpoints'] as const;
/** node-pg-migrate's bookkeeping: readable so that a process without the owner's URL can check nothing is pending. */
const READ_ONLY_TABLES = ['pgmigrations'] as const;

/** Serialises concurrent grant runs in one database (concurrent GRANTs on one object fail). */
const ROLES_LOCK = 0x48_59_52_4c; // "HYRL"

/**
 * Pinned on the application role where the owner may (a superuser): a failed statement's text,
 * its DETAIL/CONTEXT lines and bound parameters can quote a resident's name or phone, so the
 * server log keeps none of them (README, "PostgreSQL server log").
 */
export const APP_ROLE_LOG_SETTINGS: Record<string, string> = {
  log_min_error_statement: 'panic',
  log_error_verbosity: 'terse',
  log_parameter_max_length: '0',
  log_parameter_max_length_on_error: '0',
};

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Schemas of BullMQ's PostgreSQL backend: `bullmq`, or `bullmq_<QUEUE_PREFIX>`. */
const QUEUE_SCHEMAS_SQL = `SELECT nspname FROM pg_namespace WHERE nspname = 'bullmq' OR nspname LIKE 'bullmq\\_%' ORDER BY nspname`;

/**
 * A SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's stored format), so that CREATE/ALTER ROLE
 * never carries the password itself: with `log_statement = ddl` the server log would keep it.
 * Limited to printable ASCII, which SASLprep leaves unchanged.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  if (!/^[\x20-\x7e]+$/.test(password)) throw new Error('the application role password must be printable ASCII');
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The role a postgres:// URL names, or null when it names none (libpq then uses the OS user). */
export function urlRole(url: string): string | null {
  const u = new URL(url);
  return u.username ? decodeURIComponent(u.username) : null;
}

export function urlPassword(url: string): string | undefined {
  const u = new URL(url);
  return u.password ? decodeURIComponent(u.password) : undefined;
}

/** The same server and database as `url`, as `role` (with `password`, when given). */
export function urlAs(url: string, role: string, password?: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(role);
  u.password = password ? encodeURIComponent(password) : '';
  return u.toString();
}

/**
 * Whether `url` can sign in: false when the server refuses the role or its password (SQLSTATE class
 * 28), so a start-up knows the application role is missing or its password differs.
 */
export async function canSignIn(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await c.connect();
    return true;
  } catch (err) {
    if (String((err as { code?: string }).code ?? '').startsWith('28')) return false;
    throw err;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface RoleInfo {
  role: string;
  superuser: boolean;
  /** Owns the application's tables (a migration owner, or a legacy single-role setup). */
  ownsTables: boolean;
}

/** Who `url` connects as, and whether that role is the tables' owner or a superuser. */
export async function connectedRole(url: string): Promise<RoleInfo> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ role: string; superuser: boolean; owns: boolean }>(
      `SELECT current_user AS role, r.rolsuper AS superuser,
              EXISTS (SELECT 1 FROM pg_class t WHERE t.relname = 'audit_log' AND t.relkind = 'r'
                         AND t.relnamespace = 'public'::regnamespace AND pg_has_role(current_user, t.relowner, 'USAGE')) AS owns
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    return { role: rows[0].role, superuser: rows[0].superuser, ownsTables: rows[0].owns };
  } finally {
    await c.end();
  }
}

async function grantTables(db: pg.ClientBase, schema: string, role: string, opts: { sequences: string; appendOnly: readonly string[]; readOnly: readonly string[] }): Promise<void> {
  const s = ident(schema);
  const r = ident(role);
  await db.query(`REVOKE CREATE ON SCHEMA ${s} FROM ${r}`);
  await db.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
  // Start from nothing, so a TRUNCATE or TRIGGER granted by hand earlier is taken back too.
  await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${r}`);
  await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
  const { rows } = await db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p') AND c.relname = ANY($2)`,
    [schema, [...opts.appendOnly, ...opts.readOnly]],
  );
  for (const { relname } of rows) {
    const readOnly = opts.readOnly.includes(relname);
    await db.query(`REVOKE ${readOnly ? 'INSERT, UPDATE, DELETE' : 'UPDATE, DELETE'} ON ${s}.${ident(relname)} FROM ${r}`);
  }
  await db.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM ${r}`);
  await db.query(`GRANT ${opts.sequences} ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
  await db.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${s} TO ${r}`);
  // Objects that later migrations create (as the role running this) get the same grants; the
  // next run of this step (right after those migrations) narrows any new append-only table again.
  await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`);
  await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${opts.sequences} ON SEQUENCES TO ${r}`);
  await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT EXECUTE ON FUNCTIONS TO ${r}`);
}

/**
 * Grants on one BullMQ schema: its rows, its sequences (`nextval` needs USAGE, `setval` UPDATE)
 * and its functions. The schema's DDL (its migrations, the per-queue id sequences) is the
 * owner's, in prepareQueueSchema. Run inside a transaction holding ROLES_LOCK.
 */
export async function grantQueueSchema(db: pg.ClientBase, schema: string, role: string): Promise<void> {
  await grantTables(db, schema, role, { sequences: 'USAGE, SELECT, UPDATE', appendOnly: [], readOnly: [] });
}

export async function lockRoles(db: pg.ClientBase): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [ROLES_LOCK]);
}

export interface EnsureAppRoleOptions {
  /** Given to the role when it is created. */
  password?: string;
  /** Also set `password` on a role that exists (start-up when it cannot sign in; `db:roles`). */
  resetPassword?: boolean;
}

export interface AppRoleReport {
  role: string;
  owner: string;
  created: boolean;
  passwordSet: boolean;
  queueSchemas: string[];
  /** APP_ROLE_LOG_SETTINGS pinned on the role (needs a superuser owner URL). */
  logSettings: 'pinned' | 'unchanged' | 'not permitted';
}

/**
 * Creates the application role if missing and gives it exactly the grants the application needs
 * in the database `ownerUrl` names (schema public and BullMQ's schemas). Idempotent; refuses a
 * role that is a superuser, may bypass row security, or is (a member of) the owner. Throws with
 * the list from checkAppRole when something still exceeds the grants afterwards.
 */
export async function ensureAppRole(ownerUrl: string, role: string, opts: EnsureAppRoleOptions = {}): Promise<AppRoleReport> {
  if (!ROLE_NAME.test(role)) throw new Error(`application role name "${role}" must match ${ROLE_NAME}`);
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    const { rows: me } = await c.query<{ owner: string; superuser: boolean; db: string }>(
      'SELECT current_user AS owner, rolsuper AS superuser, current_database() AS db FROM pg_roles WHERE rolname = current_user',
    );
    const { owner, superuser, db } = me[0];
    if (owner === role) throw new Error(`the application role "${role}" is the migration (owner) role: give DATABASE_URL a role of its own`);
    await c.query('BEGIN');
    try {
      await lockRoles(c);
      const report: AppRoleReport = { role, owner, created: false, passwordSet: false, queueSchemas: [], logSettings: 'unchanged' };
      const r = ident(role);
      const password = opts.password ? `PASSWORD ${c.escapeLiteral(scramVerifier(opts.password))}` : '';
      const { rows: existing } = await c.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolreplication: boolean }>(
        'SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication FROM pg_roles WHERE rolname = $1',
        [role],
      );
      if (existing.length === 0) {
        await c.query('SAVEPOINT create_role');
        try {
          await c.query(`CREATE ROLE ${r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ${password}`);
          report.created = true;
          report.passwordSet = password !== '';
        } catch (err) {
          // Roles are cluster-wide: another database's start-up may have created it a moment ago.
          if ((err as { code?: string }).code !== '42710') throw err;
          await c.query('ROLLBACK TO SAVEPOINT create_role');
        }
      } else {
        const a = existing[0];
        const excess = [
          a.rolsuper && 'SUPERUSER',
          a.rolbypassrls && 'BYPASSRLS',
          a.rolcreaterole && 'CREATEROLE',
          a.rolcreatedb && 'CREATEDB',
          a.rolreplication && 'REPLICATION',
        ].filter(Boolean);
        if (excess.length > 0) throw new Error(`role "${role}" has ${excess.join(', ')}: the application role must not (ALTER ROLE ${role} NO…)`);
      }
      if (!report.created && password && opts.resetPassword) {
        try {
          await c.query(`ALTER ROLE ${r} ${password}`);
        } catch (err) {
          if ((err as { code?: string }).code !== '42501') throw err;
          throw new Error(`role "${owner}" may not set the password of "${role}": set it as a superuser (ALTER ROLE ${role} PASSWORD …) to the one in DATABASE_URL`, { cause: err });
        }
        report.passwordSet = true;
      }
      const { rows: member } = await c.query<{ m: boolean }>(`SELECT pg_has_role($1, $2, 'MEMBER') AS m`, [role, owner]);
      if (member[0].m) throw new Error(`role "${role}" is a member of the owner "${owner}" and would act with its rights`);

      await c.query(`REVOKE CREATE ON DATABASE ${ident(db)} FROM ${r}`);
      await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${ident(db)} TO ${r}`);
      await grantTables(c, 'public', role, { sequences: 'USAGE', appendOnly: APPEND_ONLY_TABLES, readOnly: READ_ONLY_TABLES });
      const { rows: schemas } = await c.query<{ nspname: string }>(QUEUE_SCHEMAS_SQL);
      for (const { nspname } of schemas) await grantQueueSchema(c, nspname, role);
      report.queueSchemas = schemas.map((s) => s.nspname);

      // Before PostgreSQL 15 every role (PUBLIC) may create objects in schema public.
      const { rows: pub } = await c.query<{ p: boolean }>(`SELECT has_schema_privilege($1, 'public', 'CREATE') AS p`, [role]);
      if (pub[0].p) {
        // Needs the schema's owner; when the owner URL is not, checkAppRole below names the problem.
        await c.query('SAVEPOINT public_schema');
        await c.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC').catch(() => c.query('ROLLBACK TO SAVEPOINT public_schema'));
      }

      report.logSettings = superuser ? await pinLogSettings(c, role) : 'not permitted';
      const problems = await checkAppRole(c, role);
      if (problems.length > 0) throw new Error(`role "${role}" still exceeds the application's grants:\n  ${problems.join('\n  ')}`);
      await c.query('COMMIT');
      return report;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    await c.end();
  }
}

async function pinLogSettings(c: pg.ClientBase, role: string): Promise<'pinned' | 'unchanged'> {
  const { rows } = await c.query<{ setconfig: string[] | null }>(
    `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = $1 AND s.setdatabase = 0`,
    [role],
  );
  const current = new Map((rows[0]?.setconfig ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const missing = Object.entries(APP_ROLE_LOG_SETTINGS).filter(([k, v]) => current.get(k) !== v);
  // pg_db_role_setting is shared by every database: touch it only when something differs.
  for (const [k, v] of missing) await c.query(`ALTER ROLE ${ident(role)} SET ${k} = ${c.escapeLiteral(v)}`);
  return missing.length > 0 ? 'pinned' : 'unchanged';
}

/**
 * What `role` may do in this database beyond the application's grants, one line each (empty when
 * nothing): superuser or BYPASSRLS, objects it owns (an owner may ALTER, DISABLE TRIGGER, DROP),
 * CREATE on the database or a schema, TRUNCATE/TRIGGER/REFERENCES on any table, UPDATE/DELETE on
 * the append-only tables. Privileges held through PUBLIC or role membership count too.
 */
export async function checkAppRole(db: pg.ClientBase | pg.Pool, role: string): Promise<string[]> {
  const { rows } = await db.query<{ problem: string }>(
    `WITH r AS (SELECT oid, rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1),
          ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = 'public' OR nspname = 'bullmq' OR nspname LIKE 'bullmq\\_%'),
          rel AS (SELECT c.oid, ns.nspname, c.relname, c.relowner, c.relkind FROM pg_class c JOIN ns ON ns.oid = c.relnamespace)
     SELECT 'is a superuser' AS problem FROM r WHERE rolsuper
     UNION ALL SELECT 'may bypass row security' FROM r WHERE rolbypassrls
     UNION ALL SELECT 'owns ' || rel.nspname || '.' || rel.relname FROM rel, r WHERE pg_has_role(r.oid, rel.relowner, 'USAGE')
     UNION ALL SELECT 'owns function ' || ns.nspname || '.' || p.proname FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace, r WHERE pg_has_role(r.oid, p.proowner, 'USAGE')
     UNION ALL SELECT 'owns schema ' || n.nspname FROM pg_namespace n, r WHERE n.oid IN (SELECT oid FROM ns) AND pg_has_role(r.oid, n.nspowner, 'USAGE')
     UNION ALL SELECT 'may CREATE in database ' || current_database() FROM r WHERE has_database_privilege(r.oid, current_database(), 'CREATE')
     UNION ALL SELECT 'may CREATE in schema ' || ns.nspname FROM ns, r WHERE has_schema_privilege(r.oid, ns.oid, 'CREATE')
     UNION ALL SELECT 'may ' || p.priv || ' ' || rel.nspname || '.' || rel.relname
       FROM rel, r, unnest(ARRAY['TRUNCATE', 'TRIGGER', 'REFERENCES']) AS p(priv)
      WHERE rel.relkind IN ('r', 'p') AND has_table_privilege(r.oid, rel.oid, p.priv)
     UNION ALL SELECT 'may ' || p.priv || ' ' || rel.nspname || '.' || rel.relname
       FROM rel, r, unnest(ARRAY['UPDATE', 'DELETE']) AS p(priv)
      WHERE rel.nspname = 'public' AND rel.relname = ANY($2) AND has_table_privilege(r.oid, rel.oid, p.priv)
     UNION ALL SELECT 'may write public.' || rel.relname
       FROM rel, r WHERE rel.nspname = 'public' AND rel.relname = ANY($3)
        AND has_table_privilege(r.oid, rel.oid, 'INSERT, UPDATE, DELETE')`,
    [role, APPEND_ONLY_TABLES, READ_ONLY_TABLES],
  );
  return rows.map((r) => r.problem);
}
