"""An approval racing a clerk's edit and a bureau import, on a real Odoo with --workers=2.

The certificate's PDF is rendered by wkhtmltopdf, which fetches the report's CSS over HTTP from
the same Odoo. Rendered inside the approval's transaction, it held the row locks of the frozen
fapiao: the clerk's edit (or the import) waited for them in the second worker, nothing was left to
serve the CSS, and Odoo killed both workers at its 120 s limit. Now it is rendered after the
commit: every request answers within seconds, with its result or a clear error, and the
certificate is attached by the approval's own request (no cron runs on this server).
"""

import base64
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
from pathlib import Path

import odoo.release

HERE = Path(__file__).resolve().parent
ODOO_BIN = Path(odoo.release.__file__).resolve().parents[1] / "odoo-bin"
FAST = 30  # seconds: far below Odoo's limits (limit_time_real 120 s, limit_time_cpu 60 s)
CLIENT_TIMEOUT = 150  # longer than Odoo's limit, so that a hang shows as what it is
EDITS = 25  # the clerk saves a note at most this often, until the fapiao is frozen


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
            return {"seconds": time.monotonic() - started, "error": f"{type(error).__name__}: {error}"}
        outcome = {"seconds": time.monotonic() - started}
        if "error" in body:
            data = body["error"].get("data") or {}
            outcome["error"] = f"{data.get('name', '')}: {data.get('message', body['error'])}"
        else:
            outcome["result"] = body["result"]
        return outcome

    def call(self, model, method, *args, **kwargs):
        return self._call(
            "object", "execute_kw", [self.db, self.uid, self.password, model, method, list(args), kwargs]
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
    """The approval, and beside it the clerk saving a note on a fapiao of its scope until it is
    frozen, and the bureau's export imported (it clears the voided fapiao's uploaded flag)."""
    outcomes = {"edits": []}
    fapiao_id = setup["fapiao"][0]

    def approve():
        outcomes["approve"] = manager.call("invoice.clearing", "action_approve", [setup["clearing"]])

    def edit():
        for number in range(EDITS):
            outcome = clerk.call(
                "invoice.clearing.fapiao", "write", [fapiao_id], {"note": f"Note {number}"}
            )
            outcomes["edits"].append(outcome)
            if "error" in outcome:
                return
            time.sleep(0.1)

    def import_export():
        time.sleep(0.2)
        outcomes["import"] = clerk.call(
            "invoice.clearing.import", "import_file", setup["company"], "2026-10-01", "2026-10-31",
            setup["export"], "race.xlsx",
        )  # fmt: skip

    threads = [threading.Thread(target=target) for target in (approve, edit, import_export)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


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
    log = tmp_path / "odoo.log"
    server = subprocess.Popen(
        [sys.executable, str(ODOO_BIN), "-c", odoo_conf, "-d", concurrency_db,
         f"--db-filter=^{concurrency_db}$", "--workers=2", "--max-cron-threads=0",
         "--http-interface=127.0.0.1", f"--http-port={port}", f"--gevent-port={_free_port()}",
         f"--logfile={log}", "--log-level=warn"],
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until_up(url, server, log)
        manager = Client(url, concurrency_db, setup["manager"], setup["password"])
        clerk = Client(url, concurrency_db, setup["clerk"], setup["password"])
        for client in (manager, clerk):  # both workers have loaded the registry
            assert "result" in client.call("invoice.clearing.fapiao", "search_count", [])
        outcomes = _race(manager, clerk, setup)
        certificate = manager.call(
            "invoice.clearing", "read", [setup["clearing"]], ["state", "certificate_id"]
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server we started, its workers, wkhtmltopdf
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    calls = [outcomes["approve"], outcomes["import"], *outcomes["edits"]]
    assert all(call["seconds"] < FAST for call in calls), outcomes
    # The approval cleared; the clerk's notes were saved until it froze the fapiao, then refused
    # in words; the import was saved, or refused in words.
    assert outcomes["approve"].get("result") is True, outcomes["approve"]
    for edit in outcomes["edits"]:
        assert edit.get("result") is True or "is frozen" in edit["error"], edit
    assert "result" in outcomes["import"] or "UserError" in outcomes["import"]["error"], outcomes
    # The certificate was attached by the approval's own request, after its commit.
    [values] = certificate["result"]
    assert values["state"] == "cleared"
    assert values["certificate_id"], "the certificate is attached"
    print(json.dumps({"seconds": {k: round(v["seconds"], 2) for k, v in outcomes.items() if k != "edits"},
                      "edits": [round(e["seconds"], 2) for e in outcomes["edits"]]}))  # fmt: skip
