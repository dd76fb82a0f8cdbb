"""Names from a feed or an account are shown as text, never read as Markdown: a station named
`![x](http://…/beacon)` must not make every reader's browser load an image from that address,
nor `**x**` turn bold (AppTest: the element's body carries the escaped text)."""

from __future__ import annotations

import shutil

import duckdb
import support
from conftest import release_app_store
from test_app import fresh, log_in, settle

from chargeboard import accounts, formats
from chargeboard.scope import CHARGER_OWNER

BEACON = "![x](http://127.0.0.1:9/beacon)"
NAME = f"{BEACON} **bold**"


def test_a_station_name_in_the_charger_owners_caption_is_text(app_env, tmp_path, monkeypatch):
    db = tmp_path / "named.duckdb"
    shutil.copyfile(app_env["CHARGEBOARD_DB"], db)
    with duckdb.connect(str(db)) as con:  # Per charged once at chg-b1, a station he does not own
        con.execute("UPDATE stations SET name = ? WHERE station_id = 'chg-b1'", [NAME])
    monkeypatch.setenv("CHARGEBOARD_DB", str(db))
    release_app_store()
    at = settle(log_in(fresh(), support.OWNER.username, support.OWNER.password))
    at.switch_page("pages/dashboard.py").run()
    at.selectbox(key="period").select("Last year").run()  # 2025: the co-op's sessions
    assert not at.exception, at.exception
    [caption] = [str(c.value) for c in at.caption if str(c.value).startswith("At ")]
    assert BEACON not in caption and "**bold**" not in caption
    assert formats.text_in_markdown(NAME) in caption
    assert r"\!\[x\]\(http\:" in caption


def test_an_account_name_in_the_sidebar_is_text(app_env):
    accounts.add_user("mal", name=NAME, email="", role=CHARGER_OWNER, password="mal-password-1")
    at = settle(log_in(fresh(), "mal", "mal-password-1"))
    assert not at.exception, at.exception
    [caption] = [str(c.value) for c in at.sidebar.caption if "Logged in as" in str(c.value)]
    assert BEACON not in caption and "**bold**" not in caption and r"\*\*bold\*\*" in caption


def test_text_in_markdown_escapes_every_markup_character():
    assert formats.text_in_markdown("a_b *c* `d` [e](f) :red[g] $h$ <i>\nj") == \
        r"a\_b \*c\* \`d\` \[e\]\(f\) \:red\[g\] \$h\$ \<i\> j"
