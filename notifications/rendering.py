"""How the outbox's emails look: the group's layout (`imgportal.email_layout`)
with the footer a member's email needs. An email with a category (one the
member can turn off) says which choice sends it and carries that member's
signed unsubscribe link in both parts, as its List-Unsubscribe header does;
transactional mail (account, approvals, a seat you took) says why it can't be
turned off and has no unsubscribe link."""

from django.conf import settings
from django.urls import reverse

from imgportal.email_layout import Footer, RenderedEmail, email_render
from notifications.models import Category
from notifications.unsubscribe import unsubscribe_url

TRANSACTIONAL_REASON = (
    "This email is about your membership or something you take part in, "
    "so it can't be turned off."
)


def preferences_url() -> str:
    return f"{settings.SITE_URL}{reverse('notifications:preferences')}"


def footer_for(
    *, member_id: int | None, category: str, unsubscribe: str | None = None
) -> Footer:
    """The footer for `category` (empty: transactional). `unsubscribe` replaces
    the member's own link (a newsletter's per-recipient placeholder)."""
    if not category or (member_id is None and unsubscribe is None):
        return Footer(reason=TRANSACTIONAL_REASON)
    label = Category(category).label
    links: tuple[tuple[str, str], ...] = ()
    if category == Category.NEWSLETTER:
        archive = f"{settings.SITE_URL}{reverse('newsletters:archive')}"
        links = (("Read past issues", archive),)
    return Footer(
        reason=f"You get this because “{label}” is on in your email choices.",
        unsubscribe_url=unsubscribe or unsubscribe_url(member_id, category),
        unsubscribe_label="Unsubscribe from newsletters"
        if category == Category.NEWSLETTER
        else "Unsubscribe from these emails",
        preferences_url=preferences_url(),
        links=links,
    )


def email_render_for(
    *, template_prefix: str, context: dict, member=None, category: str = ""
) -> RenderedEmail:
    """The email the outbox queues for `member` (both parts, in the layout)."""
    footer = footer_for(
        member_id=member.pk if (member is not None and category) else None,
        category=category,
    )
    return email_render(template_prefix, context, footer=footer)
