"""The audit trail of changes to members: who, when, from where, before and after.

A small model of our own rather than django-auditlog or django-simple-history:
entries are written explicitly by services (so `QuerySet.update()` and
`bulk_create`, which signal-based logs miss, cannot slip past), they carry the
client address and mask visa values, and a database trigger makes the table
append-only. Services never use `update()`/`bulk_create` on audited fields.
"""

from collections.abc import Iterable

from imgportal.middleware import current_ip
from members.models import AuditEntry, Member, User

# Set per request by imgportal.middleware.AuditContextMiddleware.

# Values the trail may keep: where a member is in the group's life, not who they
# are. Every other field (names, addresses, phone, bio, school, languages, visa
# status…) is written as changed, never with its value, so an erased member
# leaves nothing personal in this append-only table.
NOT_PERSONAL = {
    "status",
    "training_stage",
    "specialty",
    "program",
    "training_start",
    "expected_completion",
    "directory_fields",
    "roles",
}
MASK = "(hidden)"


def masked(changes: dict[str, tuple]) -> dict[str, list]:
    """Before/after pairs, with every personal value replaced by a mask."""
    return {
        field: [before, after] if field in NOT_PERSONAL else [MASK, MASK]
        for field, (before, after) in changes.items()
    }


def snapshot(member: Member, fields: Iterable[str]) -> dict[str, object]:
    values = {}
    for field in fields:
        value = getattr(member, field)
        if field in {"specialty", "program"}:
            value = str(value) if value else ""
        elif field in {"home_country", "medical_school_country"}:
            value = value.code if value else ""
        values[field] = value
    return values


def diff(before: dict[str, object], after: dict[str, object]) -> dict[str, tuple]:
    return {
        field: (before[field], after[field])
        for field in before
        if before[field] != after[field]
    }


def audit_record(
    *,
    member: Member,
    actor: User | None,
    action: str,
    changes: dict[str, tuple] | None = None,
) -> AuditEntry:
    """Append one entry; visa values in `changes` are masked."""
    return AuditEntry.objects.create(
        member=member,
        actor=actor,
        action=action,
        changes=masked(changes or {}),
        ip_address=current_ip.get(),
    )


def audit_many(*, members: Iterable[Member], actor: User | None, action: str) -> None:
    """One entry per member in one INSERT (visa views on a list, exports)."""
    ip = current_ip.get()
    AuditEntry.objects.bulk_create(
        AuditEntry(member=m, actor=actor, action=action, ip_address=ip) for m in members
    )
