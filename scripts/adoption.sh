#!/usr/bin/env bash
# The customer database: a Chinese company on l10n_cn that invoiced for months without
# demo data installs the addon from Apps; then Odoo's runner runs the tests tagged `adoption` on it.
# Called by `make test` (the cluster is running); also runs alone: bash scripts/adoption.sh
source "$(dirname "$0")/common.sh"
DB="${TEST_DB}_adopt"
LOG="$LOCAL/adoption.log"
use_cluster >/dev/null
pg dropdb --if-exists "$DB"
rm -rf "$LOCAL/data/filestore/$DB"
shell_step() {  # the step's name reaches the script in ADOPTION_STEP (odoo-bin shell passes no argv)
  ADOPTION_STEP="$1" "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" -d "$DB" --no-http \
    --log-level=warn <"$ROOT/scripts/adoption_db.py" >>"$LOG" 2>&1 || die "step $1 failed: see $LOG"
}

say "customer database $DB: base, a Chinese company, account (l10n_cn chart), 4 months of invoices"
: >"$LOG"
odoo_bin -d "$DB" -i base --stop-after-init --log-level=warn >>"$LOG" 2>&1
shell_step company
odoo_bin -d "$DB" -i account --stop-after-init --log-level=warn >>"$LOG" 2>&1
shell_step history
say "installing invoice_clearing from Apps into $DB"
shell_step install
say "running the tests tagged adoption on $DB with Odoo's runner"
odoo_bin -d "$DB" --test-tags adoption --stop-after-init --http-port="$(any_free_port)" \
  --log-level=test >>"$LOG" 2>&1 || true
# The verdict is read from the log: a run that loaded no test also exits 0.
verdict="$(grep -oE "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOG" | tail -1 || true)"
read -r failed _ errors _ _ ran _ <<<"$verdict"
[ -n "$verdict" ] && [ "$failed" = 0 ] && [ "$errors" = 0 ] || die "adoption tests failed ($verdict): see $LOG"
! grep -q "skipped" "$LOG" || die "adoption tests were skipped: see $LOG"
[ "$ran" -ge 2 ] || die "the adoption tests did not run ($verdict): see $LOG"
say "adoption: $ran tests passed on the customer database"
