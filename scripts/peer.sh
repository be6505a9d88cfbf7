#!/usr/bin/env bash
# `make peer`: does invoice_clearing break standard accounting? A fixed subset of Odoo's own `account`
# tests runs with Odoo's runner on two fresh databases without demo data:
#   (a) peer_with_addon    the addon's dependencies + invoice_clearing
#   (b) peer_without_addon the addon's dependencies only
# It fails on a test failing or erroring in (a) but not in (b) (those are Odoo's or the environment's),
# and when a run crashes or starts far fewer tests than the chosen classes contain.
# Logs: .local/peer/{install,test}-*.log.
source "$(dirname "$0")/common.sh"
require_odoo_src
[ -x "$VENV/bin/python" ] || die "No .venv: run make setup first."

# Customer invoices, refunds, journal entries (lock dates), lock exceptions, inalterable hash,
# attachments, audit trail, tracking, sequences, payments, reconciliation, taxes: ~400 tests.
# All are post_install, so they run on the installed databases without -u.
TAGS="$(printf '/account:%s,' \
  TestAccountMoveOutInvoiceOnchanges TestAccountMoveOutRefundOnchanges TestAccountMove \
  TestAccountLockException TestAccountMoveInalterableHash TestAccountMoveAttachment TestAuditTrail \
  TestTracking TestSequenceMixin TestSequenceGaps TestSequenceMixinDeletion \
  TestSequenceMixinConcurrency TestAccountPayment TestAccountPaymentRegister \
  TestAccountMoveReconcile TestAccountTax TestInvoiceTaxes TestTax)"
TAGS="${TAGS%,}"
WITH=peer_with_addon
WITHOUT=peer_without_addon
OUT="$LOCAL/peer"
# Read at each run: the dependencies change (e.g. l10n_cn).
DEPENDS="$("$VENV/bin/python" -c 'import ast, sys; print(",".join(ast.literal_eval(open(sys.argv[1]).read())["depends"]))' \
  "$ROOT/invoice_clearing/__manifest__.py")"

use_cluster
timings=()
phase() {  # phase NAME COMMAND...: run it, record its duration
  local t0=$SECONDS name="$1"; shift
  say "$name"
  "$@"
  timings+=("$(printf '%-56s %4d s' "$name" $((SECONDS - t0)))")
}
install() {  # install DB MODULES LOG: fresh database without demo data (Odoo 19's default)
  odoo_bin -d "$1" -i "$2" --stop-after-init --log-level=warn --log-handler=odoo.modules.loading:INFO \
    --logfile="$3" || { tail -n 30 "$3"; die "installing $2 into $1 failed; see $3"; }
}
run_tests() {  # run_tests DB LOG: Odoo's runner; its exit status is ignored, the log is judged
  odoo_bin -d "$1" --test-tags="$TAGS" --stop-after-init --http-port="$(any_free_port)" \
    --log-level=info --logfile="$2" || true
}

mkdir -p "$OUT"
rm -f "$OUT"/*.log
for db in "$WITH" "$WITHOUT"; do
  pg dropdb --if-exists "$db"
  rm -rf "$LOCAL/data/filestore/$db"
done

# Odoo imports the tests of every installed module before running any, so (a) also proves that
# invoice_clearing/tests loads without hypothesis (a development-only dependency).
NO_HYPOTHESIS="$OUT/no-hypothesis"
mkdir -p "$NO_HYPOTHESIS/hypothesis"
echo 'raise ImportError("hidden by make peer")' >"$NO_HYPOTHESIS/hypothesis/__init__.py"
PYTHONPATH="$NO_HYPOTHESIS" "$VENV/bin/python" -c 'import hypothesis' 2>/dev/null \
  && die "hypothesis is still importable with PYTHONPATH=$NO_HYPOTHESIS"

# (a) is a copy of (b) plus the addon: the two databases differ by invoice_clearing only.
phase "install $DEPENDS into $WITHOUT" install "$WITHOUT" "$DEPENDS" "$OUT/install-without.log"
pg createdb -T "$WITHOUT" "$WITH"
if [ -d "$LOCAL/data/filestore/$WITHOUT" ]; then
  cp -a "$LOCAL/data/filestore/$WITHOUT" "$LOCAL/data/filestore/$WITH"
fi
phase "install invoice_clearing into $WITH" install "$WITH" invoice_clearing "$OUT/install-with.log"
phase "(b) account tests on $WITHOUT" run_tests "$WITHOUT" "$OUT/test-without.log"
PYTHONPATH="$NO_HYPOTHESIS${PYTHONPATH:+:$PYTHONPATH}" \
  phase "(a) account tests on $WITH, hypothesis hidden" run_tests "$WITH" "$OUT/test-with.log"

status=0
"$VENV/bin/python" "$ROOT/scripts/peer_compare.py" "$TAGS" "$ODOO_SRC/addons/account/tests" \
  "$OUT/test-with.log" "$OUT/test-without.log" || status=$?
printf '%s\n' "timings:" "${timings[@]/#/  }"
say "logs in $OUT"
exit "$status"
