#!/usr/bin/env bash
# `make setup`: Debian packages, .venv with Odoo's pinned requirements, private PostgreSQL cluster.
# Idempotent: each step checks what is already there and skips it.
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
require_odoo_src

# 1. Debian packages (PDF rendering, browser tours, CJK fonts, headers to build psycopg2/python-ldap)
DEB_PACKAGES=(wkhtmltopdf chromium fonts-noto-cjk libpq-dev libldap2-dev libsasl2-dev)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}"
  fi
fi
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 server binaries not found in $PG_BIN: install the Debian package postgresql-15."

# 2. Python environment: Odoo's pins (cbor2 5.4.6 builds on Python 3.11, 5.4.2 does not) + dev tools
stamp="$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt" "$ROOT/test-requirements.txt" | sha256sum | cut -c1-16) $ODOO_SRC"
if [ "$(cat "$VENV/.setup-stamp" 2>/dev/null)" != "$stamp" ]; then
  command -v "$PYTHON" >/dev/null || die "$PYTHON not found: Odoo 19.0 needs Python 3.10-3.12 (3.11 recommended)."
  say "creating $VENV with Odoo's requirements (a few minutes the first time)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  sed 's/^cbor2==5\.4\.2 /cbor2==5.4.6 /' "$ODOO_SRC/requirements.txt" >"$VENV/odoo-requirements.txt"
  pip_install() {  # this machine's pip.conf lists local indexes that may be absent: hide that noise
    "$VENV/bin/pip" install -q "$@" 2>&1 | { grep -v "is ignored" || true; }
  }
  pip_install --upgrade pip wheel
  pip_install -r "$VENV/odoo-requirements.txt" -r "$ROOT/requirements.txt" -r "$ROOT/requirements-dev.txt"
  # Odoo is imported from $ODOO_SRC in place, not copied or installed into the venv.
  site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  echo "$ODOO_SRC" >"$site/odoo-src.pth"
  "$VENV/bin/python" -c "import psycopg2, lxml, pytest_odoo" || die "Python requirements failed to install (see above)."
  echo "$stamp" >"$VENV/.setup-stamp"
fi
"$VENV/bin/python" -c "import odoo.release as r; assert r.version_info[:2] == (19, 0)" \
  || die "odoo is not importable from $ODOO_SRC in $VENV"

# 3. Private PostgreSQL cluster (created once; started by make run / make test)
"$ROOT/scripts/pg.sh" init

say "setup done. Next: make test (run the tests) or make run (Odoo on http://127.0.0.1:8069, admin/admin)"
