"""Serving a real co-op's store: `make serve` plans no demo, and the accounts file of each store."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from chargeboard import settings

ROOT = Path(__file__).resolve().parents[1]


def make_plan(*args: str) -> str:
    """What make would run (-n: nothing is run, so the shared virtualenv is never rebuilt)."""
    env = {k: v for k, v in os.environ.items() if k != "DB"}
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, env=env, check=True).stdout


def test_make_serve_never_builds_the_demo_and_needs_the_store_named(tmp_path):
    db = tmp_path / "mine.duckdb"
    plan = make_plan("serve", f"DB={db}")
    assert "chargeboard_demo" not in plan and "demo-styret" not in plan
    assert f"CHARGEBOARD_DB={db} " in plan and "streamlit run app.py" in plan
    assert "chargeboard_demo" in make_plan("run", f"DB={db}")  # while make run builds the demo there
    assert "make serve needs the store" in make_plan("serve")  # the refusal, run when DB is not named


def test_the_default_store_keeps_its_accounts_in_the_top_level_auth_yaml(monkeypatch, tmp_path):
    monkeypatch.delenv("CHARGEBOARD_AUTH")
    assert settings.auth_path(settings.DEFAULT_DB) == ROOT / "auth.yaml"
    monkeypatch.chdir(ROOT)
    assert settings.auth_path(Path("data/chargeboard.duckdb")) == ROOT / "auth.yaml"
    monkeypatch.delenv("CHARGEBOARD_DB")
    assert settings.auth_path() == ROOT / "auth.yaml"
    assert settings.auth_path(ROOT / "data" / "mine.duckdb") == ROOT / "data" / "mine.auth.yaml"
    assert settings.auth_path(tmp_path / "chargeboard.duckdb") == tmp_path / "chargeboard.auth.yaml"
    ignored = subprocess.run(["git", "check-ignore", "auth.yaml", "auth.logins.json", "auth.changes.jsonl",
                              "auth.lock"], cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == ["auth.yaml", "auth.logins.json", "auth.changes.jsonl", "auth.lock"]
