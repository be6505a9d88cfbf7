"""`make bench`: how close a clearing of N fapiao comes to what PostgreSQL itself needs.

    bench.py run N            everything below, written to bench/results/<date>-<N>.md
    bench.py import N [BASE]  the import phase alone (also run by `run` unless IMPORT=0): N
                              not-uploaded fapiao, the bureau's export of them as xlsx, UTF-8 and
                              GB18030 CSV, each imported in-process (parse / reconcile / store,
                              queries, peak RSS growth), rolled back; IMPORT_FILES picks files
    bench.py loaded N         (`LOADED=1 make bench`) a loaded server: two CPU-bound processes
                              beside `odoo-bin --workers=2` with Odoo's default limits, the N-row
                              xlsx imported through the web client, then a background clearing
                              of N fapiao; every run of the background jobs (wall and CPU time)
                              and every cron pass in Odoo's log against Odoo's limits

The modules: bench_generate (the data, not timed), bench_measure (the measured Odoo process),
bench_server (`odoo-bin --workers=2` over RPC), bench_report (TARGETS, the one table of targets,
and the tables). Each database step runs in a child process (`bench.py child STEP ...`), so that
the measured process's peak RSS is its own; a child prints its result as one BENCH-JSON line.
"""
# ruff: noqa: PLC0415

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import bench_report

ROOT = Path(__file__).resolve().parent.parent
CONF = os.environ.get("ODOO_CONF", str(ROOT / ".local/odoo.conf"))
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/19.0")
BASE = "clearing_bench_base"


# ----------------------------------------------------------------------------- child processes
def child_main(step, dbname, arg):
    """One step in this (child) process: its result as a BENCH-JSON line."""
    import bench_generate
    import bench_measure

    if step == "parser":
        if os.environ.get("BENCH_WITHOUT_CALAMINE") == "1":
            bench_measure.block_calamine()
        result = bench_measure.measure_parser(dbname, arg)
    elif step == "measure":
        result = bench_measure.measure(dbname, int(arg))
    elif step == "measure-import":
        result = bench_measure.measure_import(dbname, arg)
    else:
        odoo, registry = bench_measure.load(dbname)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if step == "generate":
                result = bench_generate.generate(env, int(arg))
            elif step == "generate-import":
                result = bench_generate.generate_import(env, int(arg))
            else:  # import-files
                result = bench_generate.import_files(env, int(arg), bench_measure.IMPORT_DIR)
    print("BENCH-JSON " + json.dumps(result, default=str))


def child(step, dbname="", arg="", **env):
    """This script again as `child STEP`, in a fresh process; returns its BENCH-JSON payload."""
    run = subprocess.run(
        [sys.executable, __file__, "child", step, dbname, str(arg)],
        check=False, capture_output=True, text=True, env={**os.environ, **env},
    )  # fmt: skip
    if run.returncode:
        sys.exit(f"[bench] {step} failed:\n{run.stderr[-4000:]}")
    for line in run.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line.removeprefix("BENCH-JSON "))
    return None


# ----------------------------------------------------------------------------- databases
def odoo_bin(*args):
    subprocess.run([sys.executable, f"{ODOO_SRC}/odoo-bin", "-c", CONF, *args], check=True)


def psql(statement):
    """One SQL statement on the cluster's postgres database; its output."""
    pg = [f"{os.environ['PG_BIN']}/psql", "-h", os.environ["PGSOCK"], "-p", os.environ["PGPORT"],
          "-U", "odoo", "-d", "postgres", "-qtAc"]  # fmt: skip
    return subprocess.run([*pg, statement], check=True, capture_output=True, text=True).stdout


def clone_base(dbname, base=BASE):
    """`dbname` as a copy of `base` (installed once; FRESH=1 redoes it), filestore included,
    the module updated to the working tree."""
    filestore = ROOT / ".local/data/filestore"
    if os.environ.get("FRESH") == "1" or base not in psql("SELECT datname FROM pg_database"):
        print(f"[bench] installing invoice_clearing into {base} (once; FRESH=1 redoes it)")
        psql(f"DROP DATABASE IF EXISTS {base}")
        odoo_bin("-d", base, "-i", "invoice_clearing", "--stop-after-init", "--log-level=warn")
    psql(f"DROP DATABASE IF EXISTS {dbname}")
    psql(f"CREATE DATABASE {dbname} TEMPLATE {base}")
    subprocess.run(["rm", "-rf", filestore / dbname], check=True)
    if (filestore / base).exists():
        subprocess.run(["cp", "-r", filestore / base, filestore / dbname], check=True)
    odoo_bin("-d", dbname, "-u", "invoice_clearing", "--stop-after-init", "--log-level=warn")


def head():
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    return {
        "when": f"{datetime.now():%Y-%m-%d %H:%M}", "commit": commit, "cores": os.cpu_count(),
        "postgres": psql("SHOW server_version").strip(),
    }  # fmt: skip


class Log(list):
    """Lines printed as they come and kept for the results file."""

    def __call__(self, text=""):
        print(text, flush=True)
        self.append(text)


# ----------------------------------------------------------------------------- commands
def run(n):
    import bench_generate
    import bench_server

    log, dbname = Log(), "clearing_bench"
    clone_base(dbname)
    print(f"[bench] generating {n:,} fapiao in {dbname} (not timed)")
    start = time.perf_counter()
    child("generate", dbname, n)
    print(f"[bench] generated in {time.perf_counter() - start:.0f} s; measuring")
    m = child("measure", dbname, n)
    background = None
    with bench_server.Server(dbname) as server:
        if m["job_state"] == "running":
            background = bench_server.background_job(
                server, bench_server.clearing_ids(server)["Bench Co"], print
            )
        mw = bench_server.multi_worker(server, bench_generate.MW_FAPIAO)
    info = {**head(), "period": f"{bench_generate.PERIOD:%Y-%m}"}
    bench_report.clearing_report(log, n, info, m, background, mw, server.peaks)
    if os.environ.get("IMPORT", "1") == "1":  # IMPORT=0 make bench skips the import phase
        import_phase(n, log)
    print(f"\n[bench] written to {bench_report.write(log, '', n)}")


def import_measures(dbname, name):
    """The parser alone on the file (and with openpyxl when python-calamine read it), then the
    in-process import."""
    parser = child("parser", dbname, name)
    result = child("measure-import", dbname, name)
    result["parser"] = parser
    if parser.get("reader") == "calamine":
        result["openpyxl"] = child("parser", dbname, name, BENCH_WITHOUT_CALAMINE="1")
    return result


def import_phase(n, log, base=BASE):
    """Import of the N-row export (xlsx, UTF-8 and GB18030 CSV) against N not-uploaded fapiao."""
    import bench_measure
    import bench_server

    dbname = f"{base.removesuffix('_base')}_import"
    clone_base(dbname, base)
    start = time.perf_counter()
    child("generate-import", dbname, n)
    child("import-files", dbname, n)
    print(f"[bench] import: fapiao and export files made in {time.perf_counter() - start:.0f} s")
    names = os.environ.get("IMPORT_FILES", "export.xlsx export.csv export-gb18030.csv").split()
    bench_report.import_report(log, n, [import_measures(dbname, name) for name in names])
    if os.environ.get("IMPORT_HTTP", "1") == "1":
        data = (bench_measure.IMPORT_DIR / "export.xlsx").read_bytes()
        bench_report.http_report(log, n, bench_server.http_import(dbname, data))


def loaded(n):
    """The import through the web client and a background clearing with two CPU hogs beside
    the server; every job run and every cron pass against Odoo's limits."""
    import bench_measure
    import bench_server

    log = Log()
    import_db, clearing_db = "clearing_bench_loaded_import", "clearing_bench_loaded"
    # LOADED_CLEARING=0: the import part only (the background clearing is left out).
    with_clearing = os.environ.get("LOADED_CLEARING", "1") == "1"
    for dbname in (import_db, clearing_db) if with_clearing else (import_db,):
        clone_base(dbname)
    print(f"[bench] loaded: generating {n:,} fapiao twice (not timed)")
    # The import goes through the background job whatever N (IMPORT_BACKGROUND_BYTES overrides).
    os.environ.setdefault("IMPORT_BACKGROUND_BYTES", "0")
    child("generate-import", import_db, n)
    child("import-files", import_db, n)
    # The clearing runs in the background: its threshold below N (THRESHOLD overrides).
    os.environ.setdefault("THRESHOLD", str(max(n // 2, 1)))
    if with_clearing:
        child("generate", clearing_db, n)
    info = head()
    log(f"# Background jobs on a loaded server: {n:,} rows, two CPU-bound processes beside it")
    log()
    log(f"{info['when']}, commit {info['commit']}, {info['cores']} cores; `--workers=2`, Odoo's "
        f"default limits (CPU {bench_report.CPU_LIMIT} s, real {bench_report.REAL_LIMIT} s)")  # fmt: skip
    # Where an import's time goes, in-process (rolled back): quiet, then beside the two hogs.
    quiet = child("measure-import", import_db, "export.xlsx")
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    runs, passes, killed, clearing = [], {}, [], None
    try:
        busy = child("measure-import", import_db, "export.xlsx")
        data = (bench_measure.IMPORT_DIR / "export.xlsx").read_bytes()
        http = bench_server.http_import(import_db, data, runs)
        for name, durations in http["passes"].items():
            passes.setdefault(name, []).extend(durations)
        killed += http["killed"]
        if with_clearing:
            clearing = bench_server.background_clearing(clearing_db)
            runs += clearing["runs"]
            for name, durations in clearing["passes"].items():
                passes.setdefault(name, []).extend(durations)
            killed += clearing["killed"]
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    bench_report.loaded_report(log, n, quiet, busy, http, runs, passes, killed, clearing)
    suffix = "-loaded" if with_clearing else "-loaded-import"
    print(f"\n[bench] written to {bench_report.write(log, suffix, n)}")


def main():
    command, *args = sys.argv[1:]
    if command == "child":
        child_main(*args)
    elif command == "run":
        run(int(args[0]))
    elif command == "loaded":
        loaded(int(args[0]))
    elif command == "import":  # the import phase alone: bench.py import N [base database]
        log = Log()
        import_phase(int(args[0]), log, *args[1:])
        print(f"\n[bench] written to {bench_report.write(log, '-import', int(args[0]))}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
