"""Who did what to an object: the action log.

Every service that acts on someone's behalf (it takes `by`) records one
`ActionLog` row: actor, verb, target, time and a few data fields. The data are
facts the portal already holds (field names, counts, dates, ids), never free
text a person typed, so the log holds no message, reason or note and no visa
status; `record` refuses anything else. Pages show an object's log to those who
manage it (`actions_for`). Members' own audit trail (`AuditEntry`: profile and
status changes, visa views) stays separate and append-only.

Every function in a feature app's services that takes `by` must call `record`
(`tests/test_action_log.py` reads the code to check)."""

from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone

from members.models import ActionLog, Member

MAX_TEXT = 80
MAX_ITEMS = 20


def _clean(value):
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    if isinstance(value, list | tuple) and len(value) <= MAX_ITEMS:
        return [_clean(item) for item in value]
    raise ValueError(f"An action log holds short facts, not {value!r}.")


def record(*, actor, verb: str, target: Model, **data) -> ActionLog:
    """One row: `actor` is a User or a Member (or None for the system)."""
    user = getattr(actor, "user", actor)
    return ActionLog.objects.create(
        actor=user,
        verb=ActionLog.Verb(verb),
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=target.pk,
        data={key: _clean(value) for key, value in data.items()},
    )


# How a data field reads on the page.
LABELS = {
    "fields": "changed",
    "member": "member",
    "revision": "revision",
    "when": "for",
    "matches": "matches",
    "count": "emails",
    "guests": "guests",
    "title": "",
}


def _describe(action: ActionLog, names: dict[int, str]) -> str:
    parts = []
    for key, value in action.data.items():
        if key == "member":
            value = names.get(value, "a former member")
        elif key == "when" and isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                value = f"{moment:%-d %b %Y, %H:%M}"
            except ValueError:
                pass
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        label = LABELS.get(key, key.replace("_", " "))
        parts.append(f"{label} {value}".strip())
    return "; ".join(parts)


def _with_details(actions: list[ActionLog]) -> list[ActionLog]:
    """Put each row's data in words; member ids become names (one query)."""
    ids = {a.data["member"] for a in actions if isinstance(a.data.get("member"), int)}
    names = {
        m.pk: m.full_name
        for m in Member.objects.filter(pk__in=ids).select_related("user")
    }
    for action in actions:
        action.details = _describe(action, names)
    return actions


def actions_for(target: Model, *, limit: int = 25) -> list[ActionLog]:
    """The newest actions on one object (two queries whatever their number)."""
    return _with_details(
        list(
            ActionLog.objects.filter(
                target_type=ContentType.objects.get_for_model(
                    target, for_concrete_model=False
                ),
                target_id=target.pk,
            ).select_related("actor")[:limit]
        )
    )


def actions_on(model: type[Model], *, limit: int = 25) -> list[ActionLog]:
    """The newest actions on any object of a kind (for a list page, where
    deleted objects' rows still show)."""
    return _with_details(
        list(
            ActionLog.objects.filter(
                target_type=ContentType.objects.get_for_model(
                    model, for_concrete_model=False
                )
            ).select_related("actor")[:limit]
        )
    )
