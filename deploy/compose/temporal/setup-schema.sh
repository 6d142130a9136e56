#!/bin/sh
# One-shot: creates Temporal's two databases (persistence and visibility) on
# temporal-db and brings their schemas to this server version, as Temporal's
# self-hosting guide does with temporal-sql-tool. Safe to run again: a database
# that exists is kept, and update-schema applies only the versions it lacks.
set -eu

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

prepare() {
  database=$1
  schema=$2
  # `create` fails on a database that exists; only that failure is expected.
  if output=$(sql_tool --db "$database" create 2>&1); then
    sql_tool --db "$database" setup-schema -v 0.0
  elif printf '%s' "$output" | grep -q "already exists"; then
    echo "$database exists; keeping it"
  else
    printf '%s\n' "$output" >&2
    exit 1
  fi
  sql_tool --db "$database" update-schema -d "/etc/temporal/schema/postgresql/v12/$schema/versioned"
}

prepare "$TEMPORAL_DB" temporal
prepare "$TEMPORAL_VISIBILITY_DB" visibility
echo "Temporal schemas are up to date"
