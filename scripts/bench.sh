#!/usr/bin/env bash
# `make bench` (N=100000 by default): benchmark database, N generated fapiao, one table of timings.
# The logic is in bench.py; this starts PostgreSQL (and stops it again if it was not running).
source "$(dirname "$0")/common.sh"
require_odoo_src
[ -x "$VENV/bin/python" ] || die "No .venv: run make setup first."
started_pg=0
"$ROOT/scripts/pg.sh" status >/dev/null 2>&1 || started_pg=1
trap '[ "$started_pg" = 1 ] && "$ROOT/scripts/pg.sh" stop' EXIT
"$ROOT/scripts/pg.sh" start
export PG_BIN PGSOCK PGPORT="$(pg_port)" ODOO_CONF ODOO_SRC
"$VENV/bin/python" "$ROOT/scripts/bench.py" run "${N:-100000}"
