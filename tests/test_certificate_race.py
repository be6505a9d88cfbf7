"""An approval racing a clerk's edit and a bureau import, on a real Odoo with --workers=2.

The certificate's PDF is rendered by wkhtmltopdf, which fetches the report's CSS over HTTP from
the same Odoo. Rendered inside the approval's transaction, it held the row locks of the frozen
fapiao: the clerk's edit (or the import) waited for them in the second worker, nothing was left to
serve the CSS, and Odoo killed both workers at its 120 s limit. Now it is rendered after the
commit: every request answers within seconds, with its result or a clear error, and the
certificate is attached by the approval's own request (no cron runs on this server).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import odoo.release

HERE = Path(__file__).resolve().parent
ODOO_BIN = Path(odoo.release.__file__).resolve().parents[1] / "odoo-bin"
FAST = 60  # seconds: half of Odoo's real-time limit (120 s); the old approval hung until it
CLIENT_TIMEOUT = 150  # longer than Odoo's limit, so that a hang shows as what it is
EDITS = 300  # the clerk saves a note at most this often while the approval runs


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """JSON-RPC (/jsonrpc) as one user; each call returns its outcome and how long it took."""

    def __init__(self, url, db, login, password):
        self.url, self.db, self.password = url, db, password
        self.uid = self._call("common", "login", [db, login, password])["result"]
        assert self.uid, f"{login} cannot log in"

    def _call(self, service, method, args):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1,
                   "params": {"service": service, "method": method, "args": args}}  # fmt: skip
        request = urllib.request.Request(
            f"{self.url}/jsonrpc", json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )  # fmt: skip
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as response:
                body = json.load(response)
        except (OSError, urllib.error.URLError) as error:  # killed worker, timeout
            return {
                "seconds": time.monotonic() - started,
                "error": f"{type(error).__name__}: {error}",
            }
        outcome = {"seconds": time.monotonic() - started}
        if "error" in body:
            data = body["error"].get("data") or {}
            outcome["error"] = f"{data.get('name', '')}: {data.get('message', body['error'])}"
        else:
            outcome["result"] = body["result"]
        return outcome

    def call(self, model, method, *args, **kwargs):
        return self._call(
            "object",
            "execute_kw",
            [self.db, self.uid, self.password, model, method, list(args), kwargs],
        )


def _wait_until_up(url, server, log):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server stopped: {log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the server did not answer: {log.read_text()[-3000:]}")


def _race(manager, clerk, setup):
    """The approval, and while it runs the clerk saving a note on a fapiao of its scope and
    importing bureau exports (each sets the voided fapiao's uploaded flag); one more note after."""
    outcomes = {"edits": [], "imports": []}
    fapiao_id = setup["fapiao"][0]
    approved = threading.Event()

    def approve():
        outcomes["approve"] = manager.call(
            "invoice.clearing", "action_approve", [setup["clearing"]]
        )
        approved.set()

    def edit(number):
        return clerk.call(
            "invoice.clearing.fapiao", "write", [fapiao_id], {"note": f"Note {number}"}
        )

    def edits():
        for number in range(EDITS):
            if approved.is_set():
                return
            outcomes["edits"].append(edit(number))
            time.sleep(0.1)

    def imports():
        for export in setup["exports"]:
            if approved.is_set():
                return
            outcomes["imports"].append(clerk.call(
                "invoice.clearing.import", "import_file", setup["company"], "2026-10-01",
                "2026-10-31", export, "race.xlsx",
            ))  # fmt: skip

    threads = [threading.Thread(target=target) for target in (approve, edits, imports)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes["after"] = edit("after")
    return outcomes


@contextmanager
def _server(odoo_conf, dbname, port, tmp_path):
    """odoo-bin --workers=2 (Odoo's default limits, no cron worker) on `port`, stopped by its
    process group (the server we started, its workers, their wkhtmltopdf) at the end."""
    log = tmp_path / "odoo.log"
    with (tmp_path / "stderr.log").open("wb") as stderr:  # what escapes Odoo's log (gevent)
        server = subprocess.Popen(
            [sys.executable, str(ODOO_BIN), "-c", odoo_conf, "-d", dbname,
             f"--db-filter=^{dbname}$", "--workers=2", "--max-cron-threads=0",
             "--http-interface=127.0.0.1", f"--http-port={port}", f"--gevent-port={_free_port()}",
             f"--logfile={log}", "--log-level=warn"],
            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        )  # fmt: skip
        try:
            _wait_until_up(f"http://127.0.0.1:{port}", server, log)
            yield
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def test_approval_racing_an_edit_and_an_import_never_hangs(odoo_conf, concurrency_db, tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    prepared = subprocess.run(
        [sys.executable, str(HERE / "certificate_race_setup.py"), odoo_conf, concurrency_db,
         str(port)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    setup = json.loads(prepared.stdout.strip().splitlines()[-1])
    with _server(odoo_conf, concurrency_db, port, tmp_path):
        manager = Client(url, concurrency_db, setup["manager"], setup["password"])
        clerk = Client(url, concurrency_db, setup["clerk"], setup["password"])
        # Both workers load the registry first (two requests at once, twice).
        for _round in range(2):
            warm = [threading.Thread(target=c.call, args=("invoice.clearing.fapiao", "search_count", []))
                    for c in (manager, clerk)]  # fmt: skip
            for thread in warm:
                thread.start()
            for thread in warm:
                thread.join()
        outcomes = _race(manager, clerk, setup)
        [cleared] = manager.call(
            "invoice.clearing", "read", [setup["clearing"]], ["state", "certificate_id"]
        )["result"]
        attachment = (
            cleared["certificate_id"]
            and manager.call("ir.attachment", "read", [cleared["certificate_id"][0]], ["mimetype"])[
                "result"
            ][0]
        )
    calls = [outcomes["approve"], outcomes["after"], *outcomes["edits"], *outcomes["imports"]]
    assert all(call["seconds"] < FAST for call in calls), outcomes
    # The approval cleared; the clerk's notes and imports were saved, or refused in words (a
    # note once the fapiao is frozen); a note saved after the approval is refused.
    assert outcomes["approve"].get("result") is True, outcomes["approve"]
    for edit in outcomes["edits"]:
        assert edit.get("result") is True or "is frozen" in edit["error"], edit
    assert "is frozen" in outcomes["after"].get("error", ""), outcomes["after"]
    assert outcomes["imports"], "imported during the approval"
    for imported in outcomes["imports"]:
        assert "result" in imported or "UserError" in imported["error"], imported
    # The certificate was attached by the approval's own request, after its commit: a PDF,
    # wkhtmltopdf having had its CSS from the other worker.
    assert cleared["state"] == "cleared"
    assert attachment and attachment["mimetype"] == "application/pdf", cleared
