#!/usr/bin/env bash
# `make rehearsal`: one month end as a customer lives it. A fresh customer database (the adoption
# builder: l10n_cn, two months of invoices, the addon installed from Apps; plus a second company of
# the group and its users, scripts/rehearsal_db.py), then scripts/rehearsal.py starts Odoo with
# --workers=2 and Odoo's default limits beside two CPU-bound processes and drives the month over
# JSON-RPC and XML-RPC only. Exit 1 names every broken invariant. Nothing is reused between runs.
source "$(dirname "$0")/common.sh"
require_odoo_src
[ -x "$VENV/bin/python" ] || die "No .venv: run make setup first."
DB="${TEST_DB}_rehearsal"
LOG="$LOCAL/rehearsal-build.log"
use_cluster >/dev/null
PIDS="$LOCAL/rehearsal.pids"  # the server and the CPU hogs, written by rehearsal.py
cleanup() {  # what rehearsal.py started, if it could not stop it itself (killed, crashed)
  if [ -f "$PIDS" ]; then
    while read -r pid; do
      if grep -qa -e odoo-bin -e "while True" "/proc/$pid/cmdline" 2>/dev/null; then kill -9 "$pid"; fi
    done <"$PIDS"
    rm -f "$PIDS"
  fi
  if [ "$USE_CLUSTER_STARTED" = 1 ]; then "$ROOT/scripts/pg.sh" stop; fi
}
trap cleanup EXIT  # replaces use_cluster's trap, whose work it does last
trap 'exit 143' TERM
trap 'exit 130' INT
pg dropdb --if-exists "$DB"
rm -rf "$LOCAL/data/filestore/$DB"
t0=$SECONDS
shell_step() {  # the step's name reaches the script in ADOPTION_STEP (odoo-bin shell passes no argv)
  ADOPTION_STEP="$1" ADOPTION_MONTHS=2 "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" \
    -d "$DB" --no-http --log-level=warn <"$2" >>"$LOG" 2>&1 || die "database step $1 failed: see $LOG"
}
say "rehearsal database $DB: base, l10n_cn, two months of invoices, the addon from Apps, company B, users"
: >"$LOG"
odoo_bin -d "$DB" -i base --stop-after-init --log-level=warn >>"$LOG" 2>&1 \
  || die "base failed: see $LOG"
shell_step company "$ROOT/scripts/adoption_db.py"
odoo_bin -d "$DB" -i account --stop-after-init --log-level=warn >>"$LOG" 2>&1 || die "account failed: see $LOG"
shell_step history "$ROOT/scripts/adoption_db.py"
shell_step install "$ROOT/scripts/adoption_db.py"
shell_step rehearsal "$ROOT/scripts/rehearsal_db.py"
say "database built in $((SECONDS - t0)) s"
[ -z "${REHEARSAL_BUILD_ONLY:-}" ] || exit 0  # the database alone, to drive it again by hand
status=0
"$VENV/bin/python" "$ROOT/scripts/rehearsal.py" --database "$DB" --build-seconds "$((SECONDS - t0))" || status=$?
say "rehearsal: $((SECONDS - t0)) s in all"
exit "$status"
