#!/usr/bin/env bash
# `make test`: fresh database with invoice_clearing and its demo data installed, then
#  1. pytest-odoo over invoice_clearing/tests (the addon's tests: TransactionCase/HttpCase tests,
#     browser tours, pure-Python tests of tools/) and tests/ (pytest only: packaging, uninstall and
#     concurrency in subprocesses on committed copies of the database);
#  2. Odoo's own runner (what Odoo.sh and OCA CI run) over the addon's tests, on a fresh copy of the
#     installed database updated with -u, so its at_install and post_install phases both run;
#  3. adoption: a customer's database without demo installs the addon from Apps (scripts/adoption.sh)
#     and Odoo's runner runs the tests tagged `adoption` there.
# Extra arguments go to pytest and then only pytest runs, e.g. `make test ARGS="-k fapiao -x"`.
# TEST_RUNNERS="pytest odoo adoption" (the default without arguments) chooses the runners; TEST_TAGS (default
# /invoice_clearing) selects tests for Odoo's runner, e.g.
#   TEST_RUNNERS=odoo TEST_TAGS=/invoice_clearing:TestFapiaoRegister make test
source "$(dirname "$0")/common.sh"
require_odoo_src
[ -x "$VENV/bin/python" ] || die "No .venv: run make setup first."

if [ $# -gt 0 ]; then TEST_RUNNERS="${TEST_RUNNERS:-pytest}"; else TEST_RUNNERS="${TEST_RUNNERS:-pytest odoo adoption}"; fi
TEST_TAGS="${TEST_TAGS:-/invoice_clearing}"
runs() { [[ " $TEST_RUNNERS " == *" $1 "* ]]; }

use_cluster
COPIES=(uninstall concurrency odoo)  # ${TEST_DB}_<name>: copies of the installed database
for db in "$TEST_DB" "${COPIES[@]/#/${TEST_DB}_}"; do
  pg dropdb --if-exists "$db"
  rm -rf "$LOCAL/data/filestore/$db"
done

say "installing invoice_clearing into a fresh database $TEST_DB"
t0=$SECONDS
odoo_bin -d "$TEST_DB" -i invoice_clearing --with-demo --load-language=zh_CN --stop-after-init \
  --log-level=warn --log-handler=odoo.modules.loading:INFO
timings="install $((SECONDS - t0)) s"
say "installed in $((SECONDS - t0)) s"
# Copies, made before any test ran: uninstall and concurrency commit; Odoo's runner updates its copy.
for copy in "${COPIES[@]}"; do
  pg createdb -T "$TEST_DB" "${TEST_DB}_$copy"
  if [ -d "$LOCAL/data/filestore/$TEST_DB" ]; then
    cp -r "$LOCAL/data/filestore/$TEST_DB" "$LOCAL/data/filestore/${TEST_DB}_$copy"
  fi
done

cd "$ROOT"
status=0
if runs pytest; then
  # Paths among the arguments replace the two test folders (pytest would otherwise collect both whole).
  paths=(invoice_clearing/tests tests)
  for arg in "$@"; do
    if [ -e "${arg%%::*}" ]; then paths=(); break; fi
  done
  say "pytest-odoo: ${paths[*]:-$*}"
  t0=$SECONDS
  IC_ODOO_CONF="$ODOO_CONF" IC_UNINSTALL_DB="${TEST_DB}_uninstall" IC_CONCURRENCY_DB="${TEST_DB}_concurrency" \
    "$VENV/bin/python" -m pytest --odoo-config="$ODOO_CONF" --odoo-database="$TEST_DB" --odoo-http \
    --odoo-log-level=warn "${paths[@]}" "$@" || status=$?
  timings="$timings, pytest $((SECONDS - t0)) s"
fi

if runs odoo; then
  say "Odoo's test runner: --test-tags $TEST_TAGS -u invoice_clearing on ${TEST_DB}_odoo"
  log="$LOCAL/odoo-tests.log"
  # Its own free port: HttpCase and tours talk to the server Odoo's runner starts (not pytest's).
  port="$(any_free_port)"
  # As on Odoo.sh and OCA CI, the database's own URL is that server: what a test fetches from it
  # (wkhtmltopdf the report assets) is served by it, or waits for it, rather than failing fast.
  pg psql -q -d "${TEST_DB}_odoo" -c \
    "UPDATE ir_config_parameter SET value = 'http://127.0.0.1:$port' WHERE key = 'web.base.url'"
  t0=$SECONDS
  odoo_status=0
  odoo_bin -d "${TEST_DB}_odoo" -u invoice_clearing --test-tags "$TEST_TAGS" --stop-after-init \
    --http-port="$port" --log-level=warn --log-handler=odoo.tests.result:INFO \
    --log-handler=odoo.addons.rpc.controllers.xmlrpc:ERROR 2>&1 | tee "$log" || odoo_status=$?
  timings="$timings, Odoo's runner $((SECONDS - t0)) s"
  # Its verdict, e.g. "0 failed, 0 error(s) of 1074 tests": none run (an import error) is a failure.
  verdict="$(grep -oE "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$log" | tail -1 || true)"
  read -r failed _ errors _ _ ran _ <<<"${verdict:-x}"
  if [ "$odoo_status" != 0 ] || [ -z "$verdict" ] || [ "$failed$errors" != 00 ] || [ "$ran" = 0 ]; then
    say "Odoo's runner failed (${verdict:-no verdict}, exit $odoo_status): see $log"
    status=1
  else
    say "Odoo's runner: $verdict"
  fi
fi
if runs adoption; then
  # A customer's database: l10n_cn, months of invoices, no demo, the addon installed from Apps.
  t0=$SECONDS
  TEST_DB="$TEST_DB" "$ROOT/scripts/adoption.sh" || status=1
  timings="$timings, adoption $((SECONDS - t0)) s"
fi
say "timings: $timings"
exit "$status"
