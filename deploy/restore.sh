#!/bin/sh
# Restore a backup made by deploy/backup.sh into an EMPTY database and empty file directories.
#
#   createdb -O lmi lmi_restored     # or CREATE DATABASE; the portal's user must own it
#   DATABASE_URL=postgres://lmi:secret@db.example:5432/lmi_restored deploy/restore.sh BACKUP_DIR
#
# PRIVATE_MEDIA_ROOT and MEDIA_ROOT (defaults $LMI_VAR_DIR/private and $LMI_VAR_DIR/media,
# LMI_VAR_DIR ./var) must be empty or absent. It refuses a database with tables in it or a
# directory with files in it, so it never mixes a backup into live data; checksums are verified
# first. Objects are owned by the user of DATABASE_URL (pg_restore --no-owner). Afterwards run
# `manage.py migrate` (a backup from an older release) and point the portal at the database.
set -eu

fail() {
  echo "restore.sh: $*" >&2
  exit 1
}

db_url() {
  case ${DATABASE_URL:-} in
    postgres://* | postgresql://*) printf '%s\n' "$DATABASE_URL" ;;
    pgsql://* | psql://*) printf 'postgresql://%s\n' "${DATABASE_URL#*://}" ;;
    *) fail "DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:port/name)" ;;
  esac
}

unpack() {
  mkdir -p "$2"
  tar -xzf "$1" -C "$2"
}

[ $# -eq 1 ] || fail "usage: DATABASE_URL=... restore.sh BACKUP_DIR"
src=$1
url=$(db_url)
var_dir=${LMI_VAR_DIR:-./var}
private_root=${PRIVATE_MEDIA_ROOT:-$var_dir/private}
media_root=${MEDIA_ROOT:-$var_dir/media}

[ -f "$src/SHA256SUMS" ] || fail "$src/SHA256SUMS is missing: not a backup directory"
(cd "$src" && sha256sum -c SHA256SUMS >/dev/null) || fail "checksums in $src do not match"

tables=$(psql --dbname="$url" --no-psqlrc --tuples-only --no-align --command \
  "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
[ "$tables" = 0 ] || fail "the database already has $tables tables; restore into an empty one"
for dir in "$private_root" "$media_root"; do
  if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    fail "$dir is not empty; move it aside first"
  fi
done

pg_restore --dbname="$url" --no-owner --no-privileges --exit-on-error --single-transaction \
  "$src/database.dump"
unpack "$src/private.tar.gz" "$private_root"
unpack "$src/media.tar.gz" "$media_root"
echo "Restored $src. Next: manage.py migrate, then start the portal."
