#!/usr/bin/env bash
# Private PostgreSQL 15 cluster of this checkout: init | start | stop | status.
# Listens on a unix socket ($PGSOCK: .local/pg/run, or /tmp/invoice_clearing-* when that path is
# too long or has spaces) and on 127.0.0.1 at a free port (kept in .local/pg/port).
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

free_port() {  # first port from $1 upwards that nothing listens on
  python3 - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
while True:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            print(port)
            break
        except OSError:
            port += 1
PY
}

running() { [ -f "$PGDATA/postmaster.pid" ] && as_pg_user "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

cmd_init() {
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 server binaries not found in $PG_BIN (Debian package postgresql-15)."
  if [ "$(id -u)" = 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
    say "creating system user $PG_OS_USER to own the PostgreSQL cluster"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
  if [ -f "$PGDATA/PG_VERSION" ]; then return 0; fi
  # A link whose cluster is gone (or never got made) is replaced below.
  if [ -L "$LOCAL/pg" ]; then rm "$LOCAL/pg"; fi
  mkdir -p "$LOCAL/pg"
  if [ "$(id -u)" = 0 ]; then
    chown "$PG_OS_USER" "$LOCAL/pg"
    if ! as_pg_user test -w "$LOCAL/pg"; then
      # The cluster's user cannot enter a parent of the checkout (e.g. /root is mode 700): keep the
      # cluster in a directory of its own under /var/lib (not /tmp, which may be cleared) and link it.
      local home="/var/lib/$PG_OS_USER/$CHECKOUT_KEY"
      install -d -m 755 "/var/lib/$PG_OS_USER"
      install -d -o "$PG_OS_USER" -m 700 "$home"
      echo "$ROOT" >"$home/checkout"  # so a cluster left behind by a deleted checkout can be told
      rmdir "$LOCAL/pg"
      ln -s "$home" "$LOCAL/pg"
      pg_paths
      if [ -f "$PGDATA/PG_VERSION" ]; then  # left by an earlier checkout at this path
        say "reusing the PostgreSQL cluster in $PGDIR (remove that directory for a fresh one)"
        return 0
      fi
    fi
  fi
  as_pg_user mkdir -p "$PGDATA"
  as_pg_user chmod 700 "$PGDATA"
  say "initialising PostgreSQL cluster in $PGDATA"
  as_pg_user "$PG_BIN/initdb" -D "$PGDATA" -U "$DB_ROLE" --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  # A development cluster: favour speed over durability.
  cat >>"$PGDATA/postgresql.conf" <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_connections = 100
CONF
  free_port 5433 >"$PGPORT_FILE"
}

cmd_start() {
  [ -f "$PGDATA/PG_VERSION" ] || die "No PostgreSQL cluster in $PGDATA: run make setup to create it."
  if ! running; then
    # The socket directory may be in /tmp: made anew if cleared, and refused if someone else made it.
    as_pg_user mkdir -p -m 700 "$PGSOCK"
    [ "$(stat -c %U "$PGSOCK")" = "$(as_pg_user id -un)" ] \
      || die "$PGSOCK does not belong to $(as_pg_user id -un): remove it and start again."
    local port; port="$(pg_port)"
    [ "$(free_port "$port")" = "$port" ] || { port="$(free_port "$port")"; echo "$port" >"$PGPORT_FILE"; }
    as_pg_user "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 \
      -o "-p $port -k $PGSOCK -c listen_addresses=127.0.0.1" start >/dev/null \
      || die "PostgreSQL did not start; see $PGLOG"
    say "PostgreSQL running on $PGSOCK and 127.0.0.1:$port"
  fi
  write_odoo_conf
}

cmd_stop() {
  if running; then
    as_pg_user "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null && say "PostgreSQL stopped"
  fi
}

write_odoo_conf() {
  mkdir -p "$LOCAL/data"
  cat >"$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$ROOT
data_dir = $LOCAL/data
db_host = $PGSOCK
db_port = $(pg_port)
db_user = $DB_ROLE
http_interface = 127.0.0.1
http_port = $HTTP_PORT
list_db = True
max_cron_threads = 1
CONF
}

case "${1:-}" in
  init) cmd_init ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) if running; then echo "running on port $(pg_port)"; else echo "stopped"; exit 3; fi ;;
  *) die "usage: $0 init|start|stop|status" ;;
esac
