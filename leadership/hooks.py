"""What the leadership app plugs into the portal."""


def register() -> None:
    pass
