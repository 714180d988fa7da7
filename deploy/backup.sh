#!/usr/bin/env bash
# Ajunta backup: the PostgreSQL database (pg_dump, custom format) and the documents on disk
# (MEDIA_ROOT), in one dated folder with a SHA256SUMS manifest (docs/backups.md).
#
#   DATABASE_URL=postgres://ajunta@/ajunta MEDIA_ROOT=/srv/ajunta/media \
#   BACKUP_DIR=/srv/ajunta/backups deploy/backup.sh
#
# With documents in object storage (S3_BUCKET), the bucket is not copied here: keep versioning on
# in the bucket and replicate it (docs/backups.md). Old backups are removed after
# BACKUP_KEEP_DAYS days (default 14; 0 keeps everything). Prints the folder it wrote.
set -euo pipefail
umask 077

: "${DATABASE_URL:?set DATABASE_URL (postgres://...)}"
: "${BACKUP_DIR:?set BACKUP_DIR}"
MEDIA_ROOT="${MEDIA_ROOT:-}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"

case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL is not PostgreSQL; SQLite is for laptops (copy the file)." >&2; exit 2 ;;
esac

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$BACKUP_DIR/ajunta-$stamp"
partial="$target.partial"
mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT

# One consistent snapshot of the database (pg_dump reads in one transaction); no owners or grants,
# so that it restores into a database owned by another role.
pg_dump --format=custom --compress=6 --no-owner --no-privileges \
  --file="$partial/database.dump" --dbname="$DATABASE_URL"

if [ -n "$MEDIA_ROOT" ] && [ -d "$MEDIA_ROOT" ]; then
  # Documents are stored by their SHA-256 and never rewritten: a copy taken after the dump holds
  # every file the dump refers to.
  tar --create --gzip --file="$partial/media.tar.gz" --directory="$MEDIA_ROOT" .
fi

{
  echo "created=$stamp"
  echo "pg_dump=$(pg_dump --version)"
  echo "media=$([ -f "$partial/media.tar.gz" ] && echo yes || echo no)"
} > "$partial/INFO"
(cd "$partial" && sha256sum -- * > SHA256SUMS)

mv "$partial" "$target"
trap - EXIT

if [ "$BACKUP_KEEP_DAYS" -gt 0 ]; then
  find "$BACKUP_DIR" -maxdepth 1 -type d -name 'ajunta-*' -mtime "+$BACKUP_KEEP_DAYS" \
    -exec rm -rf {} +
fi
echo "$target"
