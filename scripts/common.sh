# Shared settings for the project's scripts; sourced, never run.
# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this
# Everything the scripts create lives in $LOCAL (git-ignored) and $VENV.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo/19.0}"
VENV="$ROOT/.venv"
LOCAL="$ROOT/.local"
ODOO_CONF="$LOCAL/odoo.conf"
PYTHON="${PYTHON:-python3.11}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
# PostgreSQL refuses to run as root and Odoo refuses the `postgres` role: when we are root the
# cluster runs as this dedicated system user and Odoo connects with the role below.
PG_OS_USER="${PG_OS_USER:-clearing-pg}"
DB_ROLE="odoo"
DEMO_DB="${DEMO_DB:-clearing_demo}"
TEST_DB="${TEST_DB:-clearing_test}"
HTTP_PORT="${HTTP_PORT:-8069}"  # another value lets two checkouts run side by side

say() { printf '\033[1m[invoice_clearing]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[invoice_clearing] %s\033[0m\n' "$*" >&2; exit 1; }

# pg_ctl puts the data and log paths in "..." for sh, and Odoo splits addons_path on commas.
case "$ROOT" in *[,\"\$\`\\]*) die "The checkout path $ROOT contains one of , \" \$ \` \\ which pg_ctl or Odoo cannot take: clone it elsewhere." ;; esac
# Short name of this checkout for what must live outside it: the cluster (pg.sh init), the socket.
CHECKOUT_KEY="$(readlink -f "$ROOT" | sha256sum | cut -c1-12)"

pg_paths() {  # .local/pg is a link when the cluster had to live elsewhere (see pg.sh init)
  PGDIR="$(readlink -m "$LOCAL/pg")"  # the real path: the cluster's user may not pass through a link's parents
  PGDATA="$PGDIR/data"
  PGLOG="$PGDIR/server.log"
  PGPORT_FILE="$PGDIR/port"
  PGSOCK="$PGDIR/run"
  # A socket path holds at most 107 bytes ("$PGSOCK/.s.PGSQL.NNNNN") and pg_ctl -o is split by sh:
  # otherwise a short directory in /tmp (made at each start, so a cleared /tmp does no harm).
  if [ "$(printf %s "$PGSOCK" | wc -c)" -gt 90 ] || [[ $PGSOCK =~ [^A-Za-z0-9_./-] ]]; then
    PGSOCK="/tmp/invoice_clearing-$CHECKOUT_KEY"
  fi
}
pg_paths

require_odoo_src() {
  { [ -f "$ODOO_SRC/odoo/release.py" ] && [ -f "$ODOO_SRC/requirements.txt" ]; } || die \
    "No Odoo 19.0 source tree at ODOO_SRC=$ODOO_SRC. Provide one (a checkout of odoo/odoo branch 19.0) and run: ODOO_SRC=/path/to/odoo make setup"
  grep -q "version_info = (19, 0" "$ODOO_SRC/odoo/release.py" || die \
    "$ODOO_SRC is not Odoo 19.0 (see $ODOO_SRC/odoo/release.py); point ODOO_SRC at a 19.0 tree."
}

as_pg_user() {  # from / : the cluster's user may not be allowed into the current directory
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi
}

pg_port() { cat "$PGPORT_FILE"; }

odoo_bin() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"; }

pg() { "$PG_BIN/$1" -h "$PGSOCK" -p "$(pg_port)" -U "$DB_ROLE" "${@:2}"; }  # pg createdb ...

any_free_port() {  # a port nothing listens on, for one more Odoo server (tests, bench)
  "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

use_cluster() {  # start the cluster; stop it at exit only if this script started it
  USE_CLUSTER_STARTED=0
  "$ROOT/scripts/pg.sh" status >/dev/null 2>&1 || USE_CLUSTER_STARTED=1
  trap 'if [ "$USE_CLUSTER_STARTED" = 1 ]; then "$ROOT/scripts/pg.sh" stop; fi' EXIT
  "$ROOT/scripts/pg.sh" start
}
