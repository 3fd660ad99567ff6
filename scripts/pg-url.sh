# Sourced by scripts/backup.sh and scripts/restore.sh: secrets from NAME or NAME_FILE (as
# src/config.ts reads them), and a postgres:// URL's password moved into PGPASSWORD, so that it
# never appears on a command line (`ps` shows those to every user of the machine).

die() {
  echo "$SCRIPT: $*" >&2
  exit 1
}

# secret NAME: the value of NAME, else the trimmed content of the file NAME_FILE names, else empty.
secret() {
  local name=$1 file_var="${1}_FILE"
  local value=${!name:-} file=${!file_var:-}
  if [[ -n $value && -n $file ]]; then die "$name: set either $name or ${name}_FILE, not both"; fi
  if [[ -n $file ]]; then
    [[ -r $file ]] || die "${name}_FILE: cannot read $file"
    value=$(<"$file")
    value=${value#"${value%%[![:space:]]*}"}
    value=${value%"${value##*[![:space:]]}"}
  fi
  printf '%s' "$value"
}

# use_url URL: sets PG_URL to URL without its password, and exports that password (percent-decoded)
# as PGPASSWORD. Not in a $(…) subshell: the export must reach this shell.
use_url() {
  local url=$1
  [[ $url =~ ^postgres(ql)?:// ]] || die "not a postgres:// URL"
  if [[ $url =~ ^(postgres(ql)?://[^:@/]*):([^@/]*)@(.*)$ ]]; then
    local encoded=${BASH_REMATCH[3]}
    url="${BASH_REMATCH[1]}@${BASH_REMATCH[4]}"
    PGPASSWORD=$(printf '%b' "${encoded//%/\\x}")
    export PGPASSWORD
  fi
  PG_URL=$url
}
