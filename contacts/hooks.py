"""What the contacts app plugs into the portal."""


def register() -> None:
    pass
