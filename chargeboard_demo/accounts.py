"""The demo store's login accounts: written next to the demo store by `python -m chargeboard_demo`, never
shipped as a live accounts file. Their passwords are public (`make run` prints them), so they
belong to the demo data only."""

from __future__ import annotations

from pathlib import Path

from chargeboard import accounts
from chargeboard.scope import CHARGER_OWNER, RESIDENT, SYSTEM_OWNER
from chargeboard_demo import generator as demo

MARK = "# demo accounts (chargeboard_demo): public passwords, for the demo store only\n"

# The demo co-op speaks Norwegian; Ola is an English-speaking resident of the same co-op.
DEMO_DEFAULT_LANGUAGE = "nb"

# username, password, name, role, e-mail, stations, installations, language
DEMO_LOGINS = (
    ("styret", "demo-styret", "Styret (systemeier)", SYSTEM_OWNER, "styret@example.org", (), (), "nb"),
    ("per", "demo-per", "Per Olsen", CHARGER_OWNER, demo.DEMO_IDENTITIES["per"].email,
     demo.OWNED_DEVICE_IDS, (demo.DEMO_IDENTITIES["per"].installation,), "nb"),
    ("kari", "demo-kari", "Kari Nordmann", RESIDENT, demo.DEMO_IDENTITIES["kari"].email, (),
     (demo.DEMO_IDENTITIES["kari"].installation,), "nb"),
    ("ola", "demo-ola", "Ola Hansen", RESIDENT, demo.DEMO_IDENTITIES["ola"].email, (),
     (demo.DEMO_IDENTITIES["ola"].installation,), "en"),
)


def write_demo_accounts(path: Path) -> bool:
    """(Re)write the demo accounts file (0600). False, and nothing written, when `path` holds
    accounts that are not the demo's: a real store's accounts are never replaced."""
    if path.exists() and not path.read_text(encoding="utf-8").startswith(MARK):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    accounts.write_new_file(path, MARK)
    accounts.set_default_language(DEMO_DEFAULT_LANGUAGE, path, by="(demo)")
    for username, password, name, role, email, stations, installations, language in DEMO_LOGINS:
        accounts.add_user(username, name=name, email=email, role=role, password=password,
                          stations=list(stations), installations=list(installations), language=language,
                          path=path, by="(demo)")
    return True
