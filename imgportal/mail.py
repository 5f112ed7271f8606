"""The members app's door to the outbox.

`members` sits below `notifications` (the outbox's rows point at members), yet it
sends invitations, approvals and account mail. It calls these functions; the
notifications app plugs its outbox in (`imgportal.hooks.OUTBOX`) from its
`ready()`. Feature apps import `notifications.outbox` directly."""

from django.core.exceptions import ImproperlyConfigured

from imgportal.hooks import OUTBOX


def _outbox(name: str):
    function = OUTBOX.get(name)
    if function is None:
        raise ImproperlyConfigured("The notifications app is not installed.")
    return function


def email_queue_template(**arguments):
    """`notifications.outbox.email_queue_template`."""
    return _outbox("email_queue_template")(**arguments)


def email_queue_message(**arguments):
    """`notifications.outbox.email_queue_message`."""
    return _outbox("email_queue_message")(**arguments)


def email_members(members, **arguments) -> int:
    """`notifications.outbox.email_members`."""
    return _outbox("email_members")(members, **arguments)
