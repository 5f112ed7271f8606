"""The weekly digest: every app's section (registered in `imgportal.hooks`), one
email per member who wants it, at most once per ISO week."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from imgportal.hooks import DIGEST_SECTIONS, MEMBER_DIGEST_SECTIONS
from notifications import selectors
from notifications.models import Category
from notifications.outbox import email_queue_template


def weekly_digest_send(*, now=None) -> int:
    """Queue this week's digest for each member who wants it (once per week)."""
    now = now or timezone.now()
    since = now - timedelta(days=7)
    sections = [
        s for s in (section(since) for section in DIGEST_SECTIONS.values()) if s
    ]
    personal = MEMBER_DIGEST_SECTIONS.values()
    if not sections and not personal:
        return 0
    year, week, _ = timezone.localtime(now).isocalendar()
    members = selectors.recipients(selectors.audience_members({}), Category.DIGEST)
    queued = 0
    for member in members.select_related("user").iterator(chunk_size=500):
        # The member's own sections first: what they saved, what's due.
        mine = [s for s in (section(member, since) for section in personal) if s]
        if not mine and not sections:
            continue
        with transaction.atomic():
            email_queue_template(
                key=f"digest:{year}-W{week:02d}:{member.pk}",
                to=member.user.email,
                template_prefix="notifications/email/digest",
                context={"member": member, "sections": [*mine, *sections]},
                member=member,
                category=Category.DIGEST,
            )
        queued += 1
    return queued
