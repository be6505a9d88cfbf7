#!/usr/bin/env bash
# `make run`: PostgreSQL + Odoo on http://127.0.0.1:8069. The first run creates the database
# clearing_demo with the addon and its demo data (login admin / admin). Ctrl-C stops both.
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
require_odoo_src
[ -x "$VENV/bin/python" ] || die "No .venv: run make setup first."

trap '"$ROOT/scripts/pg.sh" stop' EXIT
"$ROOT/scripts/pg.sh" start

if ! "$PG_BIN/psql" -h "$PGSOCK" -p "$(pg_port)" -U "$DB_ROLE" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DEMO_DB'" | grep -q 1; then
  say "first run: creating $DEMO_DB with invoice_clearing and demo data (a few minutes)"
  odoo_bin -d "$DEMO_DB" -i invoice_clearing --with-demo --load-language=zh_CN --stop-after-init \
    --log-level=warn
else
  # A database made by an older checkout: update the addon when its version changed (new columns,
  # migrations), as `odoo-bin -u` would on a customer's server after an upgrade.
  installed=$("$PG_BIN/psql" -h "$PGSOCK" -p "$(pg_port)" -U "$DB_ROLE" -d "$DEMO_DB" -tAc \
    "SELECT latest_version FROM ir_module_module WHERE name = 'invoice_clearing'")
  wanted=$("$VENV/bin/python" -c 'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read())["version"])' \
    "$ROOT/invoice_clearing/__manifest__.py")
  if [ "$installed" != "$wanted" ]; then
    say "updating invoice_clearing in $DEMO_DB from $installed to $wanted"
    odoo_bin -d "$DEMO_DB" -u invoice_clearing --stop-after-init --log-level=warn
  fi
fi
say "Odoo on http://127.0.0.1:$HTTP_PORT (admin / admin); Ctrl-C stops Odoo and PostgreSQL"
# Not exec: the trap above must stop PostgreSQL when Odoo exits.
odoo_bin -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" "$@" || true
