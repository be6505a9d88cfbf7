"""`make screenshots`: PNG screenshots of the addon's screens, taken in headless Chromium.

Drives Chromium over the DevTools protocol (websocket-client, already a test dependency) against
the server of `make run` (started here when it is not running) and writes docs/screenshots/*.png.
Each page is opened as the demo user who works with it, in Chinese.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
BASE = f"http://127.0.0.1:{os.environ.get('HTTP_PORT', '8069')}"
DB = "clearing_demo"

# (file name, login, password, path, CSS selector to wait for, optional click before the shot)
PAGES = [
    ("01-clearings.png", "admin", "admin",
     "/odoo/action-invoice_clearing.action_invoice_clearing", ".o_data_row", None),
    ("02-fapiao-register.png", "clerk", "clerk",
     "/odoo/action-invoice_clearing.action_invoice_clearing_fapiao", ".o_data_row", None),
    ("03-new-clearing.png", "admin", "admin",
     "/odoo/action-invoice_clearing.action_invoice_clearing_new", ".o_form_view .alert-info", None),
    ("04-clearing-checks.png", "admin", "admin",
     "/odoo/action-invoice_clearing.action_invoice_clearing", ".o_data_row",
     ".o_data_row:nth-child(1) .o_data_cell[name=name]"),
    ("05-clearing-cleared.png", "auditor", "auditor",
     "/odoo/action-invoice_clearing.action_invoice_clearing", ".o_data_row",
     ".o_data_row:last-child .o_data_cell[name=name]"),
    # {cleared}: the oldest cleared clearing of the demo company.
    ("06-summary-report.png", "auditor", "auditor",
     "/report/html/invoice_clearing.report_clearing_summary/{cleared}", "table", None),
    ("07-certificate.png", "auditor", "auditor",
     "/report/html/invoice_clearing.report_clearing_certificate/{cleared}", "table", None),
    # {batch}: the demo's bureau export of last month, imported by the clerk (idempotent).
    ("08-reconciliation.png", "clerk", "clerk",
     "/odoo/action-invoice_clearing.action_invoice_clearing_import/{batch}", ".oe_stat_button",
     None),
    ("09-reconciliation-lines.png", "clerk", "clerk",
     "/odoo/action-invoice_clearing.action_invoice_clearing_import_line", ".o_group_header",
     None),
    ("10-period-overview.png", "admin", "admin",
     "/odoo/action-invoice_clearing.action_invoice_clearing_period", ".o_kanban_record", None),
    # {ready}: last month's clearing, ready to clear; its tie-out tab (账票表核对).
    ("11-tieout.png", "clerk", "clerk",
     "/odoo/action-invoice_clearing.action_invoice_clearing/{ready}", ".o_notebook",
     ".o_notebook .nav-link[name=tieout]"),
]  # fmt: skip


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_up():
    try:
        return requests.get(f"{BASE}/web/login", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def start_server():
    """`make run` in the background; returns the process (stopped at the end) or None."""
    if server_up():
        return None
    print("starting make run's server ...", flush=True)
    proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "run.sh")], start_new_session=True)
    for _ in range(600):
        if server_up():
            return proc
        if proc.poll() is not None:
            sys.exit("make run stopped before answering; see its output above")
        time.sleep(1)
    sys.exit("the server did not answer within 10 minutes")


def call(session_id, model, method, *args, **kwargs):
    """One JSON-RPC call as the logged-in user, in Chinese like the web client of the demo users."""
    kwargs.setdefault("context", {"lang": "zh_CN"})
    response = requests.post(
        f"{BASE}/web/dataset/call_kw",
        cookies={"session_id": session_id},
        json={"jsonrpc": "2.0", "params": {
            "model": model, "method": method, "args": list(args), "kwargs": kwargs,
        }},
        timeout=300,
    )  # fmt: skip
    answer = response.json()
    if "error" in answer:
        sys.exit(f"{model}.{method}: {answer['error']['data']['message']}")
    return answer["result"]


def cleared_clearing(session_id):
    """Id of the oldest cleared clearing."""
    return call(session_id, "invoice.clearing", "search", [("state", "=", "cleared")],
                order="date_to, id", limit=1)[0]  # fmt: skip


def ready_clearing(session_id):
    """Id of the latest draft clearing (the demo's last month)."""
    return call(session_id, "invoice.clearing", "search", [("state", "=", "draft")],
                order="date_to desc, id desc", limit=1)[0]  # fmt: skip


def imported_batch(session_id):
    """Import the demo's bureau export (attached to last month's clearing); the batch id."""
    [export] = call(session_id, "ir.attachment", "search_read",
                    [("name", "=like", "全量发票查询_%"), ("res_model", "=", "invoice.clearing")],
                    ["datas", "name", "res_id"], limit=1)  # fmt: skip
    [clearing] = call(session_id, "invoice.clearing", "read", [export["res_id"]],
                      ["company_id", "date_from", "date_to"])  # fmt: skip
    return call(session_id, "invoice.clearing.import", "import_file", clearing["company_id"][0],
                clearing["date_from"], clearing["date_to"], export["datas"], export["name"])[0]  # fmt: skip


def login(user, password):
    session = requests.Session()
    response = session.post(
        f"{BASE}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": DB, "login": user, "password": password}},
        timeout=60,
    )
    response.raise_for_status()
    if response.json().get("error"):
        sys.exit(f"cannot log in as {user}: {response.json()['error']['data']['message']}")
    return session.cookies["session_id"]


class Chrome:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="ic-shots-")
        port = free_port()
        binary = next(
            b for b in ("chromium", "google-chrome", "chromium-browser") if shutil.which(b)
        )
        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--remote-debugging-port={port}", f"--user-data-dir={self.profile}",
             "--window-size=1440,900", "--lang=zh-CN", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as answer:
                    pages = [t for t in json.load(answer) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        check = f"!!document.querySelector({json.dumps(selector)})"
        for _ in range(timeout * 4):
            if self.evaluate(check):
                time.sleep(0.8)  # let the last rendering settle
                return
            time.sleep(0.25)
        raise RuntimeError(f"{selector} did not appear")

    def shot(self, session_id, path, selector, click, target):
        self.send("Network.enable")
        self.send("Network.setCookie", name="session_id", value=session_id, url=BASE)
        self.send("Page.navigate", url=BASE + path)
        self.wait_for(selector)
        if click:
            self.evaluate(f"document.querySelector({json.dumps(click)}).click()")
            self.wait_for(".o_form_view")
        data = self.send("Page.captureScreenshot", format="png")["data"]
        target.write_bytes(base64.b64decode(data))

    def close(self):
        self.ws.close()
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    server = start_server()
    OUT.mkdir(parents=True, exist_ok=True)
    chrome = Chrome()
    try:
        for name, user, password, path, selector, click in PAGES:
            session_id = login(user, password)
            if "{cleared}" in path:
                url = path.format(cleared=cleared_clearing(session_id))
            elif "{ready}" in path:
                url = path.format(ready=ready_clearing(session_id))
            elif "{batch}" in path:
                url = path.format(batch=imported_batch(session_id))
            else:
                url = path
            chrome.shot(session_id, url, selector, click, OUT / name)
            print(f"wrote docs/screenshots/{name}")
    finally:
        chrome.close()
        if server:
            os.killpg(server.pid, 2)  # Ctrl-C: run.sh stops Odoo, then PostgreSQL
            server.wait()


if __name__ == "__main__":
    main()
