"""What each app holds about a member: its data-download section and its erase.

Each app registers one `PersonalData` in `imgportal.hooks.PERSONAL_DATA` from its
own `hooks.py`, naming the models it answers for; a test lists every model with a
relation to a member or a user and fails when no app claims it. The download
(`export_all`) is every app's sections in one document; anonymising
(`erase_all`) runs every app's erase inside the caller's transaction, the
members app's last (it takes away the name and addresses the others match on).
"""

from collections.abc import Callable
from dataclasses import dataclass

from imgportal.hooks import PERSONAL_DATA

OWNER_OF_ACCOUNTS = "members"
REGISTRY = PERSONAL_DATA


@dataclass(frozen=True)
class PersonalData:
    app: str
    models: tuple[str, ...]  # "app_label.Model" labels this app answers for
    export: Callable[[object], dict[str, object]]  # member → {section: data}
    erase: Callable[[object], None]  # member → None; what stays is documented


def personal_data_register(entry: PersonalData) -> None:
    """Register (or replace, on a second `ready()`) one app's hooks."""
    PERSONAL_DATA.register(entry.app, entry.app, entry)


def claimed_models() -> set[str]:
    return {label for entry in PERSONAL_DATA.values() for label in entry.models}


def export_all(member) -> dict[str, object]:
    """Every section every app holds about `member`, in registration order."""
    data: dict[str, object] = {}
    for entry in PERSONAL_DATA.values():
        data.update(entry.export(member))
    return data


def erase_all(member) -> None:
    """Run every app's erase, the accounts' owner last."""
    entries = sorted(PERSONAL_DATA.values(), key=lambda e: e.app == OWNER_OF_ACCOUNTS)
    for entry in entries:
        entry.erase(member)
