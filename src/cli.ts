// `npm run cli -- <command>` and `npm run migrate`: operator commands on the same database the
// service uses (the embedded one when DATABASE_URL is unset).
//   migrate                                   apply migrations (and first-start data)
//   user:create --username U --password P --roles clerk[,handler…] [--name 显示名] [--department code]
//   catalogue:load                            add the default township catalogue (missing rows only)
//   audit:verify                              check the audit log's hash chain
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { loggerOptions } from './logging.js';
import { prepareDatabase, resolveDatabase } from './bootstrap.js';
import { systemClock } from './clock.js';
import { createUser } from './services/users.service.js';
import { loadDefaultCatalogue } from './services/default-catalogue.js';
import { verifyAuditChain, verifyTimelineChains } from './db/audit.repository.js';
import { withTx } from './db/tx.js';
import { DomainError } from './domain/errors.js';
import { ROLES, type Role } from './domain/roles.js';

const USAGE = `usage: npm run cli -- <command>
  migrate
  user:create --username U --password P --roles clerk[,handler,...] [--name 显示名] [--department code]
  catalogue:load
  audit:verify`;

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
    const deps = { db: pool, clock: systemClock, log, config };
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
          const bad = await verifyAuditChain(pool);
          console.log(bad === null ? 'audit log intact' : `audit log altered: first bad row id ${bad}`);
          const badEvent = await verifyTimelineChains(pool);
          console.log(badEvent === null ? 'ticket timelines intact' : `ticket timeline altered: first bad event id ${badEvent}`);
          return bad === null && badEvent === null ? 0 : 1;
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
