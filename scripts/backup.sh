#!/usr/bin/env bash
# Huiying backup (README, "Backup and restore"): a custom-format pg_dump of the whole database with
# a timestamped name, checked with `pg_restore --list` and given a .sha256 before it counts; the
# attachments directory beside it when ATTACHMENTS_DIR is set; then the oldest backups beyond
# BACKUP_KEEP are removed. Exit status non-zero, and nothing half-written left, on any failure.
#
#   BACKUP_DATABASE_URL  the database, as the owner of the tables (default: MIGRATION_DATABASE_URL,
#                        else DATABASE_URL; each may also be given as NAME_FILE)
#   BACKUP_DIR           where backups go (default ./backups, created mode 700)
#   BACKUP_KEEP          how many backups to keep, newest first (default 14)
#   ATTACHMENTS_DIR      the attachments' directory to archive beside the dump (default: the app's
#                        own ATTACHMENT_DIR when set; when set, it must exist). Archived after the
#                        dump, so every file a dumped row names is in the archive (the collector
#                        removes a file only a day after no row names it); partial writes (tmp/)
#                        are left out
#   PG_DUMP, PG_RESTORE  the commands (default pg_dump, pg_restore), e.g. for docker compose:
#                        PG_DUMP="docker compose exec -T postgres pg_dump" with
#                        BACKUP_DATABASE_URL=postgres://huiying@/huiying (the container's socket)
set -euo pipefail
umask 077
SCRIPT=backup
# shellcheck source=scripts/pg-url.sh
source "$(dirname "$0")/pg-url.sh"

url=$(secret BACKUP_DATABASE_URL)
[[ -n $url ]] || url=$(secret MIGRATION_DATABASE_URL)
[[ -n $url ]] || url=$(secret DATABASE_URL)
[[ -n $url ]] || die "set BACKUP_DATABASE_URL (or MIGRATION_DATABASE_URL) to the database, as the owner of the tables"
use_url "$url"
dir=${BACKUP_DIR:-./backups}
keep=${BACKUP_KEEP:-14}
[[ $keep =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP must be a whole number of backups, 1 or more (got '$keep')"
read -r -a pg_dump <<<"${PG_DUMP:-pg_dump}"
read -r -a pg_restore <<<"${PG_RESTORE:-pg_restore}"
attachments=${ATTACHMENTS_DIR:-${ATTACHMENT_DIR:-}}
if [[ -n $attachments && ! -d $attachments ]]; then die "ATTACHMENTS_DIR=$attachments does not exist"; fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock -n 9 || die "another backup is running in $dir"
rm -f "$dir"/*.partial

# A new name each run, even two runs within one second.
while :; do
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  base="$dir/huiying-$stamp"
  [[ -e $base.dump ]] || break
  sleep 1
done
partial=()
trap 'rm -f "${partial[@]}"' EXIT

partial+=("$base.dump.partial")
"${pg_dump[@]}" --format=custom --no-password --dbname="$PG_URL" >"$base.dump.partial" || die "pg_dump failed; no backup written"
"${pg_restore[@]}" --list <"$base.dump.partial" >/dev/null || die "the dump does not read back (pg_restore --list); no backup written"
if [[ -n $attachments ]]; then
  partial+=("$base.attachments.tar.gz.partial")
  tar -C "$attachments" --exclude=./tmp -czf "$base.attachments.tar.gz.partial" . || die "archiving $attachments failed; no backup written"
fi
(cd "$dir" && sha256sum "$(basename "$base").dump.partial" | sed 's/\.partial$//') >"$base.sha256"
if [[ -n $attachments ]]; then mv "$base.attachments.tar.gz.partial" "$base.attachments.tar.gz"; fi
mv "$base.dump.partial" "$base.dump"
echo "backup: $base.dump ($(stat -c %s "$base.dump") bytes)${attachments:+ and $base.attachments.tar.gz}"

# Retention: the names sort by time; keep the newest $keep, with their checksum and attachments.
mapfile -t dumps < <(find "$dir" -maxdepth 1 -name 'huiying-*.dump' -printf '%f\n' | sort -r)
for old in "${dumps[@]:keep}"; do
  stem="$dir/${old%.dump}"
  rm -f "$stem.dump" "$stem.sha256" "$stem.attachments.tar.gz"
  echo "backup: removed $stem.dump (keeping the newest $keep)"
done
