#!/usr/bin/env bash
# `make test`: fresh database with invoice_clearing and its demo data installed, then the whole
# suite under pytest-odoo (Odoo TransactionCase/HttpCase tests, browser tours and pure-Python tests in one run).
# Extra arguments go to pytest, e.g. `make test ARGS="-k fapiao -x"`.
source "$(dirname "$0")/common.sh"
require_odoo_src
[ -x "$VENV/bin/python" ] || die "No .venv: run make setup first."

started_pg=0
if ! "$ROOT/scripts/pg.sh" status >/dev/null 2>&1; then started_pg=1; fi
cleanup() { if [ "$started_pg" = 1 ]; then "$ROOT/scripts/pg.sh" stop; fi; }
trap cleanup EXIT
"$ROOT/scripts/pg.sh" start

pg() { "$PG_BIN/$1" -h "$PGSOCK" -p "$(pg_port)" -U "$DB_ROLE" "${@:2}"; }
pg dropdb --if-exists "$TEST_DB"
pg dropdb --if-exists "${TEST_DB}_uninstall"
pg dropdb --if-exists "${TEST_DB}_concurrency"
rm -rf "$LOCAL/data/filestore/$TEST_DB"

say "installing invoice_clearing into a fresh database $TEST_DB"
t0=$SECONDS
odoo_bin -d "$TEST_DB" -i invoice_clearing --with-demo --load-language=zh_CN --stop-after-init \
  --log-level=warn --log-handler=odoo.modules.loading:INFO
say "installed in $((SECONDS - t0)) s"
# Copies of the installed database for the tests that must commit: uninstall, concurrency.
pg createdb -T "$TEST_DB" "${TEST_DB}_uninstall"
pg createdb -T "$TEST_DB" "${TEST_DB}_concurrency"

cd "$ROOT"
status=0
IC_ODOO_CONF="$ODOO_CONF" IC_UNINSTALL_DB="${TEST_DB}_uninstall" IC_CONCURRENCY_DB="${TEST_DB}_concurrency" \
  "$VENV/bin/python" -m pytest --odoo-config="$ODOO_CONF" --odoo-database="$TEST_DB" --odoo-http \
  --odoo-log-level=warn invoice_clearing/tests "$@" || status=$?
exit "$status"
