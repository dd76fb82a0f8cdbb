"""Serving a real co-op's store: `make serve` plans no demo, and the accounts file of each store."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import support

from chargeboard import accounts, settings

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


def test_the_default_store_s_accounts_from_beside_it_move_to_auth_yaml_once(monkeypatch, tmp_path):
    """A store made before keeps its accounts: data/chargeboard.auth.yaml (and its login state and
    record) become auth.yaml at the first look."""
    monkeypatch.delenv("CHARGEBOARD_AUTH")
    root = tmp_path / "checkout"
    (root / "data").mkdir(parents=True)
    monkeypatch.setattr(settings, "DEFAULT_DB", root / "data" / "chargeboard.duckdb")
    monkeypatch.setattr(settings, "DEFAULT_AUTH", root / "auth.yaml")
    old = support.write_accounts(root / "data" / "chargeboard.auth.yaml")
    (root / "data" / "chargeboard.auth.logins.json").write_text("{}")
    before = accounts.list_accounts(old)
    assert settings.auth_path(settings.DEFAULT_DB) == root / "auth.yaml"
    assert accounts.list_accounts(root / "auth.yaml") == before
    assert sorted(p.name for p in root.iterdir()) == ["auth.changes.jsonl", "auth.lock", "auth.logins.json",
                                                      "auth.yaml", "data"]
    assert list((root / "data").iterdir()) == []
    support.write_accounts(old, support.LOGINS[:1])  # a later file beside it is not the default store's: left alone
    assert settings.auth_path(settings.DEFAULT_DB) == root / "auth.yaml" and old.exists()
    assert accounts.list_accounts(root / "auth.yaml") == before
