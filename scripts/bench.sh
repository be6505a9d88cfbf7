#!/usr/bin/env bash
# `make bench` (N=100000 by default): benchmark database, N generated fapiao, one table of timings;
# `LOADED=1 make bench`: the background jobs beside two CPU-bound processes.
# The logic is in bench.py and its modules (bench_generate, bench_measure, bench_server, bench_report);
# this starts PostgreSQL (and stops it again if it was not running).
source "$(dirname "$0")/common.sh"
require_odoo_src
[ -x "$VENV/bin/python" ] || die "No .venv: run make setup first."
use_cluster
export PG_BIN PGSOCK PGPORT="$(pg_port)" ODOO_CONF ODOO_SRC
# LOADED=1: the background jobs on a loaded server (bench.py loaded) instead of the clearing bench.
if [ "${LOADED:-0}" = 1 ]; then mode=loaded; else mode=run; fi
"$VENV/bin/python" "$ROOT/scripts/bench.py" "$mode" "${N:-100000}"
