#!/bin/sh
# Back up the LMI Portal: the PostgreSQL database and the uploaded files, into one directory.
#
#   DATABASE_URL=postgres://lmi:secret@db.example:5432/lmi deploy/backup.sh [DEST]
#
# DEST (default ./backups/lmi-<UTC date and time>) must not exist yet; it receives
#   database.dump    pg_dump --format=custom of DATABASE_URL
#   private.tar.gz   PRIVATE_MEDIA_ROOT: the uploaded documents (default $LMI_VAR_DIR/private)
#   media.tar.gz     MEDIA_ROOT: organisation logos (default $LMI_VAR_DIR/media)
#   SHA256SUMS       checksums of the three, verified by deploy/restore.sh
# LMI_VAR_DIR defaults to ./var, as in the settings. The password may also come from ~/.pgpass
# or PGPASSWORD instead of the URL. Needs pg_dump (the server's major version or newer), tar,
# gzip and sha256sum. The database goes first: a document uploaded meanwhile then has a file
# but no row (harmless), never a row without its file.
set -eu

fail() {
  echo "backup.sh: $*" >&2
  exit 1
}

# django-environ's other spellings of the scheme; libpq knows postgres:// and postgresql://.
db_url() {
  case ${DATABASE_URL:-} in
    postgres://* | postgresql://*) printf '%s\n' "$DATABASE_URL" ;;
    pgsql://* | psql://*) printf 'postgresql://%s\n' "${DATABASE_URL#*://}" ;;
    *) fail "DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:port/name)" ;;
  esac
}

# archive DIR FILE: DIR's contents as a gzipped tar (an empty archive when DIR does not exist).
archive() {
  if [ -d "$1" ]; then
    tar -czf "$2" -C "$1" .
  else
    echo "backup.sh: $1 does not exist; storing an empty archive" >&2
    tar -czf "$2" -T /dev/null
  fi
}

url=$(db_url)
var_dir=${LMI_VAR_DIR:-./var}
dest=${1:-./backups/lmi-$(date -u +%Y%m%dT%H%M%SZ)}
[ ! -e "$dest" ] || fail "$dest already exists"

umask 077 # the backup holds password hashes and every private document
mkdir -p "$dest"
pg_dump --dbname="$url" --format=custom --file="$dest/database.dump"
archive "${PRIVATE_MEDIA_ROOT:-$var_dir/private}" "$dest/private.tar.gz"
archive "${MEDIA_ROOT:-$var_dir/media}" "$dest/media.tar.gz"
(cd "$dest" && sha256sum database.dump private.tar.gz media.tar.gz >SHA256SUMS)
echo "$dest"
