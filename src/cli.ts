// `npm run cli -- <command>` and `npm run migrate`: operator commands on the same database the
// service uses (the embedded one when DATABASE_URL is unset).
//   migrate                                   apply migrations (and first-start data)
//   user:create --username U --password P --roles clerk[,handler…] [--name 显示名] [--department code]
//   catalogue:load                            add the default township catalogue (missing rows only)
//   audit:verify                              check both hash chains and their checkpoints; exit 1 if altered
//   db:roles [--role R] [--password P]        create the application role and (re)write its grants
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { serviceDeps } from './runtime.js';
import { loggerOptions } from './logging.js';
import { prepareDatabase, resolveDatabase } from './bootstrap.js';
import { systemClock } from './clock.js';
import { createUser } from './services/users.service.js';
import { loadDefaultCatalogue } from './services/default-catalogue.js';
import { formatAuditReport, verifyAudit } from './services/audit.service.js';
import { checkAppRole, connectedRole, DEFAULT_APP_ROLE, ensureAppRole, urlPassword, urlRole } from './db/roles.js';
import { withTx } from './db/tx.js';
import { DomainError } from './domain/errors.js';
import { ROLES, type Role } from './domain/roles.js';

const USAGE = `usage: npm run cli -- <command>
  migrate
  user:create --username U --password P --roles clerk[,handler,...] [--name 显示名] [--department code]
  catalogue:load
  audit:verify
  db:roles [--role R] [--password P]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  const log = pino(loggerOptions(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL));
  const db = await resolveDatabase(config, log);
  try {
    await prepareDatabase(config, db, log);
    if (command === 'migrate') {
      console.log('migrations applied');
      return 0;
    }
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const deps = serviceDeps({ db: pool, clock: systemClock, log, config });
    try {
      switch (command) {
        case 'user:create': {
          const { values } = parseArgs({
            args: rest,
            options: {
              username: { type: 'string' },
              password: { type: 'string' },
              roles: { type: 'string' },
              name: { type: 'string' },
              department: { type: 'string' },
            },
          });
          const roles = (values.roles ?? '').split(',').filter(Boolean);
          const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
          if (!values.username || !values.password || roles.length === 0 || bad.length > 0) {
            console.error(bad.length ? `unknown role(s): ${bad.join(', ')} (known: ${ROLES.join(', ')})` : USAGE);
            return 2;
          }
          const user = await createUser(deps, 'system:cli', {
            username: values.username,
            password: values.password,
            displayName: values.name ?? values.username,
            roles: roles as Role[],
            departmentCode: values.department ?? null,
          });
          console.log(`created user ${user.username} (${user.roles.join(', ')})`);
          return 0;
        }
        case 'catalogue:load': {
          const added = await withTx(pool, (tx) => loadDefaultCatalogue(tx));
          console.log(`default catalogue: ${added} rows added`);
          return 0;
        }
        case 'audit:verify': {
          const report = await verifyAudit(deps);
          for (const line of formatAuditReport(report)) console.log(line);
          return report.ok ? 0 : 1;
        }
        case 'db:roles': {
          const { values } = parseArgs({ args: rest, options: { role: { type: 'string' }, password: { type: 'string' } } });
          const owner = await connectedRole(db.ownerUrl);
          // Default: the role DATABASE_URL names (with its password), else huiying_app.
          const named = urlRole(db.url);
          const fromUrl = named !== null && named !== owner.role;
          const role = values.role ?? (fromUrl ? named : DEFAULT_APP_ROLE);
          const password = values.password ?? (role === named ? urlPassword(db.url) : undefined);
          const report = await ensureAppRole(db.ownerUrl, role, { password, resetPassword: password !== undefined });
          console.log(`role ${report.role}: ${report.created ? 'created' : 'exists'}${report.passwordSet ? ', password set' : ''}; tables owned by ${report.owner}`);
          console.log(`grants written on schema public${report.queueSchemas.length ? ` and ${report.queueSchemas.join(', ')}` : ''}; log settings ${report.logSettings}`);
          const problems = await checkAppRole(pool, role);
          console.log(problems.length === 0 ? 'nothing beyond the application grants' : problems.join('\n'));
          if (!fromUrl) console.log(`now connect the application as ${role}: DATABASE_URL=postgres://${role}:…@host/db, MIGRATION_DATABASE_URL=<the owner's URL>`);
          return problems.length === 0 ? 0 : 1;
        }
        default:
          console.error(USAGE);
          return 2;
      }
    } finally {
      await pool.end();
    }
  } finally {
    await db.embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof DomainError) console.error(`${err.code}: ${err.message}${err.details ? ` ${JSON.stringify(err.details)}` : ''}`);
    else console.error(err);
    process.exit(1);
  },
);
