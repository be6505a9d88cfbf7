#!/usr/bin/env bash
# `make i18n`: regenerate invoice_clearing.pot from the installed module and merge it into zh_CN.po.
# New or changed terms then show up in zh_CN.po with an empty msgstr, ready to translate.
source "$(dirname "$0")/common.sh"
require_odoo_src
use_cluster
db=clearing_i18n
if "$PG_BIN/psql" -h "$PGSOCK" -p "$(pg_port)" -U "$DB_ROLE" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  odoo_bin -d "$db" -u invoice_clearing --stop-after-init --log-level=warn
else
  odoo_bin -d "$db" -i invoice_clearing --stop-after-init --log-level=warn
fi
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" i18n export -c "$ODOO_CONF" -d "$db" invoice_clearing
po="$ROOT/invoice_clearing/i18n/zh_CN.po"
pot="$ROOT/invoice_clearing/i18n/invoice_clearing.pot"
[ -f "$po" ] || cp "$pot" "$po"
msgmerge --quiet --update --no-fuzzy-matching --backup=none "$po" "$pot"
untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
say "pot regenerated; zh_CN.po has $((untranslated > 0 ? untranslated - 1 : 0)) untranslated terms"
