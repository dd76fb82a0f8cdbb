"""`make serve DB=...` on a store that does not exist yet: the command its recipe runs starts an empty
store, with no demo and no accounts, and a real browser is asked for the first system owner."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import subprocess
import time
import urllib.request

import duckdb
from browser_support import free_port, log_in, page_text, wait_idle
from support import Login
from test_serve import ROOT, make_plan

from chargeboard import accounts


def serve_command(db, port: int) -> str:
    """The recipe's own command line (make -n: make's prerequisites would rebuild the shared virtualenv)."""
    plan = make_plan("serve", f"DB={db}", f"PORT={port}").replace("\\\n", " ")
    [command] = [line for line in plan.splitlines() if "streamlit run app.py" in line]
    return command


def test_serve_starts_an_empty_store_that_asks_for_its_first_system_owner(browser, tmp_path):
    db = tmp_path / "co-op" / "mine.duckdb"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CHARGEBOARD_DB", "CHARGEBOARD_AUTH")}
    env["PYTHONUNBUFFERED"] = "1"
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(["bash", "-c", serve_command(db, port) + " --server.fileWatcherType none"],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                                                      timeout=1) as answer:
                if answer.read().strip() == b"ok":
                    break
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        page = browser.new_page(locale="en-US")
        url = f"http://127.0.0.1:{port}/"
        page.goto(url)
        wait_idle(page)
        assert "create the system owner" in page_text(page)
        [token] = re.findall(r"Setup token for the first visitor: (\S+)", log.read_text())
        for label, value in (("Setup token", token), ("Username (lower case)", "styret"), ("Name", "Styret"),
                             ("E-mail", "styret@example.org"), ("New password", "a real password"),
                             ("Repeat the password", "a real password")):
            page.get_by_role("textbox", name=label, exact=True).fill(value)
        page.get_by_role("button", name="Create the system owner").click()
        wait_idle(page)
        assert "System owner styret created: log in." in page_text(page)
        log_in(page, url, Login("styret", "a real password", "Styret", "system_owner", "styret@example.org"))
        assert db.exists()  # opened at the first login: empty, never the demo's
        page.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # the recipe's shell and the server it started
        server.wait(20)
    assert [a.username for a in accounts.list_accounts(db.with_name("mine.auth.yaml"))] == ["styret"]
    assert stat.S_IMODE(db.with_name("mine.auth.yaml").stat().st_mode) == 0o600
    assert not (db.parent / "demo").exists()
    with contextlib.closing(duckdb.connect(str(db), read_only=True)) as con:
        assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
