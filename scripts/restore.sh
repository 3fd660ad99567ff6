#!/usr/bin/env bash
# Huiying restore (README, "Backup and restore"): a dump written by scripts/backup.sh into a FRESH,
# empty database, in one transaction (any error: nothing restored), then ANALYZE.
#
#   scripts/restore.sh <huiying-….dump> <postgres://owner@host/new_database> [pg_restore options…]
#
# The target database must exist and be empty (createdb -O huiying huiying_restored). Connect as
# the owner of the tables. The dump keeps owners and grants: on another server, create the roles
# first, or pass --no-owner --no-acl and then run `npm run cli -- db:roles` with the new URLs.
# Then check the evidence: `npm run cli -- audit:verify` with the workers' AUDIT_CHECKPOINT_KEY.
# The attachments archive, when there is one: tar -C "$ATTACHMENTS_DIR" -xzf huiying-….attachments.tar.gz
#   PG_RESTORE, PSQL  the commands (default pg_restore, psql), e.g. "docker compose exec -T postgres pg_restore"
set -euo pipefail
SCRIPT=restore
# shellcheck source=scripts/pg-url.sh
source "$(dirname "$0")/pg-url.sh"

[[ $# -ge 2 ]] || die "usage: scripts/restore.sh <dump> <postgres://owner@host/fresh_database> [pg_restore options...]"
dump=$1
use_url "$2"
shift 2
read -r -a pg_restore <<<"${PG_RESTORE:-pg_restore}"
read -r -a psql <<<"${PSQL:-psql}"

[[ -r $dump ]] || die "cannot read $dump"
sum="${dump%.dump}.sha256"
if [[ -f $sum ]]; then
  (cd "$(dirname "$dump")" && sha256sum --check --status "$(basename "$sum")") || die "$dump does not match $sum"
fi

relations=$("${psql[@]}" --no-psqlrc --no-password --dbname="$PG_URL" --tuples-only --no-align --set=ON_ERROR_STOP=1 --command="
  SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
     AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')") || die "cannot connect to the target database (does it exist? createdb it first)"
[[ $relations == 0 ]] || die "the target database is not empty ($relations tables, views or sequences): restore into a fresh one"

"${pg_restore[@]}" --exit-on-error --single-transaction --no-password --dbname="$PG_URL" "$@" <"$dump" || die "pg_restore failed; nothing was restored"
"${psql[@]}" --no-psqlrc --no-password --dbname="$PG_URL" --quiet --set=ON_ERROR_STOP=1 --command='ANALYZE' || die "ANALYZE failed (the data are restored)"
echo "restore: $dump restored; next: npm run cli -- audit:verify against it (with the workers' AUDIT_CHECKPOINT_KEY)"
