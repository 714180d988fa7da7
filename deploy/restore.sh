#!/usr/bin/env bash
# Ajunta restore: a folder written by deploy/backup.sh into an EMPTY PostgreSQL database and an
# empty MEDIA_ROOT, then the integrity check (docs/backups.md).
#
#   createdb -O ajunta ajunta_restored
#   DATABASE_URL=postgres://ajunta@/ajunta_restored MEDIA_ROOT=/srv/ajunta/media-restored \
#   deploy/restore.sh /srv/ajunta/backups/ajunta-20261208T021500Z
#
# Refuses a backup whose files do not match their SHA256SUMS, a database that already has tables
# and a MEDIA_ROOT that is not empty. Ends with `manage.py migrate --check` (the code knows every
# migration the database has) and `manage.py audit_verify` (every audit chain and sealed record
# recomputes): its exit status is theirs.
set -euo pipefail

backup="${1:?usage: restore.sh BACKUP_FOLDER}"
: "${DATABASE_URL:?set DATABASE_URL to the empty database to restore into}"
MEDIA_ROOT="${MEDIA_ROOT:-}"
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$here/.venv/bin/python" ]; then PYTHON="$here/.venv/bin/python"; else PYTHON=python3; fi
fi

echo "Checking the backup's files against SHA256SUMS..."
(cd "$backup" && sha256sum --check --quiet SHA256SUMS)

tables="$(psql "$DATABASE_URL" --no-psqlrc --tuples-only --no-align \
  --command="select count(*) from pg_tables where schemaname = 'public'")"
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database already has $tables tables; restore into an empty one." >&2
  exit 2
fi

echo "Restoring the database..."
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$backup/database.dump"

if [ -f "$backup/media.tar.gz" ]; then
  : "${MEDIA_ROOT:?the backup holds documents: set MEDIA_ROOT to an empty folder}"
  mkdir -p "$MEDIA_ROOT"
  if [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
    echo "restore.sh: MEDIA_ROOT ($MEDIA_ROOT) is not empty." >&2
    exit 2
  fi
  echo "Restoring the documents..."
  tar --extract --gzip --file="$backup/media.tar.gz" --directory="$MEDIA_ROOT"
fi

echo "Checking migrations and integrity..."
cd "$here"
export DATABASE_URL MEDIA_ROOT
"$PYTHON" manage.py migrate --check --noinput
"$PYTHON" manage.py audit_verify
echo "Restored from $backup."
