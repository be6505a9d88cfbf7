"""What `make bench` measures against `odoo-bin --workers=2`, over RPC as clients do: approvals
of several companies at once, a background clearing followed on its form, the bureau's export
uploaded through the web client, and the addon's cron passes (crons by XML id) in Odoo's log."""

import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from datetime import datetime
from pathlib import Path

from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parent.parent
CONF = os.environ.get("ODOO_CONF", str(ROOT / ".local/odoo.conf"))
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/19.0")
CLEARING_CRON = "invoice_clearing.ir_cron_clearing_jobs"
# The addon's crons the bench follows in Odoo's log, by XML id.
CRONS = (
    "invoice_clearing.ir_cron_remind_deadlines",
    "invoice_clearing.ir_cron_quota_usage",
    "invoice_clearing.ir_cron_red_confirmation_expiry",
    "invoice_clearing.ir_cron_clearing_jobs",
    "invoice_clearing.ir_cron_import_jobs",
    "invoice_clearing.ir_cron_export_jobs",
    "invoice_clearing.ir_cron_clearing_certificates",
)
_CRON_PASS = re.compile(r"Job '.*?' \((\d+)\) .*duration ([\d.]+)s")


def free_port(port):
    while True:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                port += 1


class Server:
    """odoo-bin --workers=2 on a free port; RSS of its processes sampled while it runs."""

    def __init__(self, dbname, default_limits=False):
        self.dbname, self.port = dbname, free_port(8173)
        # Odoo's default worker limits (CPU 60 s, real 120 s, memory 2 GiB) where a user's click
        # is measured; raised where a long RPC call of the bench itself would be cut.
        self.limits = [] if default_limits else ["--limit-time-real=3600", "--limit-time-cpu=3600"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.peaks = {}
        self.logfile = ROOT / ".local/bench-server.log"
        self.logfile.unlink(missing_ok=True)

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, f"{ODOO_SRC}/odoo-bin", "-c", CONF, "-d", self.dbname,
             f"--db-filter=^{self.dbname}$", "--workers=2", "--max-cron-threads=1",
             f"--http-port={self.port}", f"--gevent-port={free_port(self.port + 1)}",
             *self.limits, "--log-level=info",
             f"--logfile={self.logfile}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(120):
            try:
                xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").version()
                break
            except OSError:
                time.sleep(0.5)
        self.uid = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").authenticate(
            self.dbname, "admin", "admin", {}
        )
        self.crons = self._crons()
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(120)  # a loaded machine stops its workers slowly
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def call(self, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.dbname, self.uid, "admin", model, method, list(args), kwargs)

    def _crons(self):
        """{XML id: (id, name)} of the addon's crons the bench follows."""
        names = [xmlid.split(".", 1)[1] for xmlid in CRONS]
        rows = self.call(
            "ir.model.data", "search_read",
            [("module", "=", "invoice_clearing"), ("model", "=", "ir.cron"), ("name", "in", names)],
            fields=["name", "res_id"],
        )  # fmt: skip
        crons = self.call("ir.cron", "read", [r["res_id"] for r in rows], ["name"])
        labels = {c["id"]: c["name"] for c in crons}
        return {f"invoice_clearing.{r['name']}": (r["res_id"], labels[r["res_id"]]) for r in rows}

    def log_text(self):
        return self.logfile.read_text(errors="replace")

    def cron_passes(self, text=None):
        """{cron name: [duration of each pass]} of the addon's crons in Odoo's log."""
        names = dict(self.crons.values())
        passes = {}
        for match in _CRON_PASS.finditer(self.log_text() if text is None else text):
            if int(match.group(1)) in names:
                passes.setdefault(names[int(match.group(1))], []).append(float(match.group(2)))
        return passes

    def killed(self):
        """Odoo's log lines of workers killed for a limit."""
        return [
            line for line in self.log_text().splitlines()
            if "limit" in line and ("reached" in line or "killing" in line.lower())
        ]  # fmt: skip

    def sample_rss(self):
        import psutil  # noqa: PLC0415 - Odoo's requirement, only where a server runs

        for proc in [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children()]:
            try:
                mb = proc.memory_info().rss / 2**20
            except psutil.NoSuchProcess:
                continue
            first, peak = self.peaks.get(proc.pid, (mb, mb))
            self.peaks[proc.pid] = (first, max(peak, mb))


def clearing_ids(server):
    rows = server.call(
        "invoice.clearing", "search_read", [], fields=["company_id"], context={"active_test": False}
    )
    return {row["company_id"][1]: row["id"] for row in rows}


def multi_worker(server, size):
    """Two approvals one after the other, then two of other companies at the same time."""
    ids = clearing_ids(server)

    def approve(name, out):
        start = time.perf_counter()
        server.call("invoice.clearing", "action_approve", [ids[name]])
        out[name] = time.perf_counter() - start

    # Warm both workers up (registry, caches): every worker serves some checks first.
    for _round in range(2):
        warm = [
            threading.Thread(target=server.call, args=("invoice.clearing", "action_check", [ids[name]]))
            for name in ("Bench MW A", "Bench MW B", "Bench MW C", "Bench MW D")
        ]  # fmt: skip
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
    sequential, parallel = {}, {}
    start = time.perf_counter()
    approve("Bench MW A", sequential)
    approve("Bench MW B", sequential)
    sequential["wall"] = time.perf_counter() - start
    threads = [threading.Thread(target=approve, args=(n, parallel)) for n in ("Bench MW C", "Bench MW D")]  # fmt: skip
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parallel["wall"] = time.perf_counter() - start
    states = server.call(
        "invoice.clearing", "read", [ids[f"Bench MW {c}"] for c in "ABCD"], ["state"]
    )
    return {
        "sequential": sequential, "parallel": parallel, "size": size,
        "states": [s["state"] for s in states],
    }  # fmt: skip


def background_job(server, clearing_id, log):
    """Follow a background clearing to its end through RPC, as the form shows it.

    Returns (seconds seen by the client, final values, seconds the clearing cron spent on it
    according to Odoo's log). The two differ by the cron worker's start-up: a prefork cron
    worker sleeps a minute after it boots, while a running one is woken by the commit.
    """
    start = time.perf_counter()
    last = -1
    while time.perf_counter() - start < 7200:
        server.sample_rss()
        [row] = server.call(
            "invoice.clearing", "read", [clearing_id],
            ["state", "job_state", "job_done", "job_total", "job_progress"],
        )  # fmt: skip
        if row["job_done"] != last:
            log(f"  background job: {row['job_done']:>9,} / {row['job_total']:,} "
                f"({row['job_progress']:.0f}%) after {time.perf_counter() - start:.1f} s")  # fmt: skip
            last = row["job_done"]
        if row["job_state"] != "running":
            break
        time.sleep(1)
    seen = time.perf_counter() - start
    cron_name = server.crons[CLEARING_CRON][1]
    for _wait in range(20):  # the cron logs its pass just after the commit the client saw
        passes = server.cron_passes().get(cron_name, [])
        if passes:
            break
        time.sleep(0.5)
    return seen, row, sum(passes)


def _ids(value):
    """A list of ids from an id or a list of them (the domain's `in`)."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def job_runs(server, owner_model, owner_id):
    """The runs of the background jobs of one owner, oldest first, as their form lists them."""
    rows = server.call(
        "invoice.clearing.job.run", "search_read",
        [("job_id.res_model", "=", owner_model), ("job_id.res_id", "in", _ids(owner_id))],
        fields=["job_id", "number", "outcome", "processed", "duration", "cpu_time", "note"],
        order="job_id, number",
    )  # fmt: skip
    kind = {
        "invoice.clearing.import": "import",
        "invoice.clearing": "clearing",
        "invoice.clearing.export": "export",
    }[owner_model]
    return [dict(row, kind=kind) for row in rows]


def http_import(dbname, data, runs=None):
    """The xlsx export uploaded through the import wizard as the web client does it, against
    odoo-bin --workers=2 with Odoo's default limits, then followed on the import's form.
    `runs`, a list, receives the runs of its background job, then the server's log."""
    import requests  # noqa: PLC0415 - Odoo's requirement, only where a server runs

    with Server(dbname, default_limits=True) as server:
        session = requests.Session()

        def rpc(path, **params):
            reply = session.post(f"{server.url}{path}", json={"jsonrpc": "2.0", "params": params},
                                 timeout=600).json()  # fmt: skip
            if "error" in reply:
                raise RuntimeError(json.dumps(reply["error"])[:2000])
            return reply["result"]

        def call(model, method, *args, button=False, **kwargs):
            route = "call_button" if button else "call_kw"
            return rpc(f"/web/dataset/{route}/{model}.{method}", model=model, method=method,
                       args=list(args), kwargs=kwargs)  # fmt: skip

        uid = rpc("/web/session/authenticate", db=dbname, login="bench_clerk",
                  password="bench_clerk")["uid"]  # fmt: skip
        company = call("res.users", "read", [uid], ["company_id"])[0]["company_id"][0]
        [first] = call("invoice.clearing.fapiao", "search_read", [], ["issue_date"],
                       order="issue_date", limit=1)  # fmt: skip
        day = datetime.strptime(first["issue_date"], "%Y-%m-%d").date()
        start = time.perf_counter()
        wizard = call("invoice.clearing.import.wizard", "create", {
            "file": base64.b64encode(data).decode(), "file_name": "export.xlsx",
            "company_id": company, "date_from": str(day.replace(day=1)),
            "date_to": str(day + relativedelta(day=31)),
        })  # fmt: skip
        action = call("invoice.clearing.import.wizard", "action_import", [wizard], button=True)
        request_time = time.perf_counter() - start
        batch = action["res_id"]
        row = {}
        while time.perf_counter() - start < 1800:
            server.sample_rss()
            [row] = call("invoice.clearing.import", "read", [batch],
                         ["state", "job_state", "job_step", "job_progress", "failure_reason",
                          "count_matched", "row_count", "job_attempts"])  # fmt: skip
            if row["state"] != "processing":
                break
            time.sleep(1)
        total = time.perf_counter() - start
        result = {
            "request": request_time, "total": total, "row": row,
            "uploaded": call("invoice.clearing.fapiao", "search_count", [("uploaded", "=", True)]),
            "fapiao": call("invoice.clearing.fapiao", "search_count", []),
            "peaks": sorted(((p - f, p) for f, p in server.peaks.values()), reverse=True),
        }  # fmt: skip
        if runs is not None:
            runs.extend(job_runs(server, "invoice.clearing.import", batch))
    # Odoo's log once the server has stopped: every pass it logged.
    return {**result, "killed": server.killed(), "passes": server.cron_passes()}


def background_clearing(dbname):
    """A whole-period clearing of the bench's company approved over RPC and followed until its
    job ends, with Odoo's default limits; its job's runs, cron passes and killed workers."""
    with Server(dbname, default_limits=True) as server:
        clearing_id = clearing_ids(server)["Bench Co"]
        start = time.perf_counter()
        server.call("invoice.clearing", "action_approve", [clearing_id])
        approve = time.perf_counter() - start
        seen, row, _cron = background_job(server, clearing_id, print)
        runs = job_runs(server, "invoice.clearing", clearing_id)
    # Odoo's log once the server has stopped: every pass it logged.
    return {
        "approve": approve, "seen": seen, "row": row, "runs": runs,
        "passes": server.cron_passes(), "killed": server.killed(),
    }  # fmt: skip
