"""The public front door at `/` for visitors who are not signed in (issue 22):
who the group is, what members get, the upcoming public events, a few handbook
pages, the co-leads, how to join and the GME office's contact.

It shows only what a visitor may already read elsewhere: events an organiser
made public (`events_visible_to` scopes them), handbook pages readable without
signing in (`pages_readable_by`), and the co-leads' names with their specialty
when they show it in the directory; never a visa status, an email address or
anything else of a member. Three queries, however many events, pages or co-leads
there are."""

from django.shortcuts import render
from django.utils import timezone

from events import selectors as event_selectors
from handbook.permissions import pages_readable_by
from imgportal.middleware import cache_briefly_for_visitors
from members import selectors as member_selectors
from members.models import active_q

EVENTS_SHOWN = 4
PAGES_SHOWN = 4
# A group has two co-leads; a bound all the same.
CO_LEADS_SHOWN = 6


def front_door(request):
    """Visitors: the group, its public events and handbook, and how to join."""
    events = event_selectors.events_for_list(
        viewer=request.user, member=None, past=False
    )
    context = {
        "events": list(events[:EVENTS_SHOWN]),
        "pages": handbook_highlights(request.user),
        "co_leads": co_leads_now(),
    }
    return cache_briefly_for_visitors(render(request, "home/front_door.html", context))


def handbook_highlights(viewer) -> list:
    """The handbook pages published or updated most recently that the viewer
    may read (one query)."""
    return list(
        pages_readable_by(viewer)
        .filter(published_revision__isnull=False)
        .select_related("chapter")
        .only(
            "slug",
            "title",
            "body_text",
            "published_at",
            "last_reviewed_on",
            "chapter__slug",
            "chapter__title",
        )
        .order_by("-published_at", "pk")[:PAGES_SHOWN]
    )


def co_leads_now() -> list[dict]:
    """The co-leads in office today: a name each, and their specialty when they
    show it to members in the directory (one query)."""
    today = timezone.localdate()
    terms = (
        member_selectors.co_lead_history()
        .filter(active_q("member__"), start__lte=today)
        .exclude(end__lt=today)
        .select_related("member__specialty")
        # What is shown, no more: a visa status never even leaves the database.
        .only(
            "start",
            "member__preferred_name",
            "member__directory_fields",
            "member__specialty__name",
            "member__user__first_name",
            "member__user__last_name",
        )
        .order_by("start", "pk")[:CO_LEADS_SHOWN]
    )
    shown = []
    for term in terms:
        member = term.member
        # Not display_name: with no name given it falls back to the address.
        name = member.full_name or member.preferred_name
        if not name:
            continue
        shows_specialty = member.specialty is not None and member.shows("specialty")
        shown.append(
            {
                "name": name,
                "specialty": member.specialty.name if shows_specialty else "",
                "since": term.start,
            }
        )
    return shown
