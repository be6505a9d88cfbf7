#!/usr/bin/env bash
# `make bench` (N=100000 by default): benchmark database, N generated fapiao, one table of timings.
# The logic is in bench.py; this starts PostgreSQL (and stops it again if it was not running).
source "$(dirname "$0")/common.sh"
require_odoo_src
[ -x "$VENV/bin/python" ] || die "No .venv: run make setup first."
use_cluster
export PG_BIN PGSOCK PGPORT="$(pg_port)" ODOO_CONF ODOO_SRC
"$VENV/bin/python" "$ROOT/scripts/bench.py" run "${N:-100000}"
