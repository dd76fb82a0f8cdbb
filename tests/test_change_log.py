"""The Accounts page's change log in the reader's language (issue 27, item 8c): the record keeps its
English words (the command line's and the log's), the page shows them translated."""

from __future__ import annotations

from chargeboard import accounts, i18n


def test_the_change_log_reads_in_norwegian_and_the_record_stays_english(tmp_path):
    path = tmp_path / "auth.yaml"
    accounts.write_new_file(path)
    accounts.add_user("boss", name="Boss", email="boss@example.org", role="system_owner",
                      password="boss-passord-123", path=path)
    accounts.add_user("kari", name="Kari", email="kari@example.org", role="resident", password="kari-passord-123",
                      installations=["garage-a"], path=path, by="boss")
    accounts.set_role("kari", "charger_owner", path=path, by="boss")
    accounts.set_language("kari", "en", path=path, by="boss")
    accounts.set_password("kari", "kari-passord-456", path=path)
    accounts.remove_user("kari", path=path, by="boss")
    record = accounts.changes(path)
    assert [c["action"] for c in record] == ["remove", "password", "language", "role", "add", "add"]
    assert record[3]["detail"] == "role set to charger_owner; logged out everywhere"  # as stored
    with i18n.language("nb"):
        shown = [accounts.change_shown(c) for c in record]
    assert [c["action"] for c in shown] == ["fjernet", "passord", "språk", "rolle", "lagt til", "lagt til"]
    assert [c["detail"] for c in shown] == [
        "fjernet; logget ut overalt", "passordet endret; logget ut overalt", "English",
        "rollen satt til Ladereier; logget ut overalt", "Beboer; installations: garage-a", "Systemeier"]
    assert shown[1]["by"] == "(kommandolinjen)" and shown[0]["by"] == "boss" and shown[0]["account"] == "kari"
    assert accounts.change_shown({"action": "lock", "detail": "5 failed logins", "by": "(login throttle)"}) == {
        "action": "lock", "detail": "5 failed logins", "by": "(login throttle)", "account": None}
    with i18n.language("nb"):
        lock = accounts.change_shown({"action": "lock", "detail": "5 failed logins", "by": "(login throttle)",
                                      "account": "kari"})
    assert lock == {"action": "sperret", "detail": "5 mislykkede innlogginger", "by": "(innloggingssperre)",
                    "account": "kari"}
