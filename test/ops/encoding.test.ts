// Chinese text needs a UTF-8 database (migration 0023's search index normalises and splits it by
// character): the migrator refuses another encoding by name, before changing anything; a database
// made with UTF8_DATABASE is UTF-8 whatever the cluster's default.
import t from 'tap';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/db/migrate.js';
import { UTF8_DATABASE } from '../../src/db/embedded.js';

const server = process.env.HY_TEST_SERVER_URL;
if (!server) throw new Error('run the tests with `npm test`');
const admin = new pg.Client({ connectionString: server });
await admin.connect();
t.teardown(() => admin.end());
const at = (name: string) => {
  const u = new URL(server);
  u.pathname = `/${name}`;
  return u.toString();
};

t.test('a SQL_ASCII database is refused by name and left untouched', async (t) => {
  const name = `hyt_ascii_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'`);
  t.teardown(() => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  await t.rejects(migrate(at(name)), { message: new RegExp(`database "${name}" is encoded SQL_ASCII; Huiying needs UTF8`) });
  const c = new pg.Client({ connectionString: at(name) });
  await c.connect();
  const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
  await c.end();
  t.equal(rows[0].n, 0, 'no table was created');
});

t.test('UTF8_DATABASE makes a UTF-8 database', async (t) => {
  const name = `hyt_utf8_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}" ${UTF8_DATABASE}`);
  t.teardown(() => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const c = new pg.Client({ connectionString: at(name) });
  await c.connect();
  const { rows } = await c.query(`SELECT current_setting('server_encoding') AS e, normalize('１２３ＡＢＣ', NFKC) AS n`);
  await c.end();
  t.same(rows[0], { e: 'UTF8', n: '123ABC' });
});
