"""Every URL the project defines, and sample objects to fill their ids: the walk
that the permission matrix, the lifecycle tests, the fuzz test and the CSV test
share, so a new page is covered the day it is added."""

import re
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import MemberFactory


@dataclass(frozen=True)
class Route:
    """A named URL with its whole route: the including patterns' parts too
    (allauth's provider URLs take their `provider_id` there)."""

    pattern: str


def walk(patterns, namespace="", prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", Route(prefix + str(pattern.pattern))


ALL_URLS = dict(walk(get_resolver().url_patterns))
SAMPLE_KWARGS = {
    "key": "not-a-real-key",
    "uidb36": "1",
    "object_id": "1",
    "app_label": "members",
    "content_type_id": "1",
}


def kwargs_for(name: str, pattern: URLPattern, context: dict) -> dict:
    groups = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", str(pattern.pattern))
    names = [a or b for a, b in groups]
    return {n: context.get((name, n), SAMPLE_KWARGS.get(n, "1")) for n in names}


def url_of(name: str, context: dict) -> str:
    return reverse(name, kwargs=kwargs_for(name, ALL_URLS[name], context))


def build_url_context(resident, mentor, co_lead) -> dict:
    """Objects for URLs that take an id, each belonging to a known role."""
    from datetime import date

    from members.models import (
        CoLeadInvitation,
        DeletionRequest,
        ImportJob,
        LeadershipRole,
        RolloverRun,
    )

    other = MemberFactory()
    role = LeadershipRole.objects.create(
        member=resident, kind="wellness", start=date(2025, 7, 1)
    )
    job = ImportJob.objects.create(
        uploaded_by=co_lead.user, filename="r.csv", content="", status="done"
    )
    run = RolloverRun.objects.create(
        academic_year=2020, effective_on=date(2020, 7, 1), applied_by=co_lead.user
    )
    invitation = CoLeadInvitation.objects.create(
        invitee=mentor, invited_by=co_lead, handover_on=date(2030, 1, 1)
    )
    deletion = DeletionRequest.objects.create(member=other)
    from newsletters.models import Newsletter
    from notifications.unsubscribe import unsubscribe_token

    newsletter = Newsletter.objects.create(
        subject="Hello", body="Hi", created_by=co_lead.user, status="sent"
    )
    from events import rsvps as events_rsvps
    from events import services as event_services
    from events.models import Rsvp
    from tests.factories import EventFactory

    event = EventFactory(capacity=1)
    event.organisers.add(mentor)
    # Visitors may open a public event's page (issue 22); `event` is members-only.
    public_event = EventFactory(visibility="public")
    from events import series as event_series

    repeating = EventFactory()
    event_series.series_create(
        event=repeating, rule="FREQ=WEEKLY;COUNT=3", by=co_lead.user
    )
    offered = Rsvp.objects.create(
        event=event,
        member=other,
        status="offered",
        offer_expires_at=event.starts_at,
    )
    from tests.factories import TimelineFactory, published_page

    page = published_page(by=co_lead.user)
    revision = page.published_revision
    handbook = {
        (name, "chapter_slug"): page.chapter.slug
        for name in ALL_URLS
        if name.startswith("handbook:")
    }
    handbook.update(
        {
            (name, "page_slug"): page.slug
            for name in ALL_URLS
            if name.startswith("handbook:")
        }
    )
    timeline = TimelineFactory()
    from handbook.models import Attachment

    attachment = Attachment(
        page=page,
        kind="pdf",
        content_type="application/pdf",
        original_name="lease.pdf",
        size=20,
    )
    attachment.file.save("lease.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    attachment.save()
    # Readers may fetch a file once the published text uses it: the sample does.
    from handbook import services as handbook_services

    revision = handbook_services.revision_save(
        page=page,
        title=page.title,
        body=f"{revision.body}\n\n[The lease]({attachment.get_absolute_url()})",
        summary="The lease",
        author=co_lead.user,
        base=revision,
        publish=True,
    )
    from tracker.models import TrackedDocument, Trip

    document = TrackedDocument.objects.create(
        member=resident, kind="passport", on=date(2030, 1, 1)
    )
    trip = Trip.objects.create(
        member=resident,
        country="IN",
        leaves_on=date(2030, 1, 1),
        returns_on=date(2030, 1, 9),
    )
    from contacts.models import Contact, ContactImport

    contact = Contact.objects.create(
        member=resident,
        name="Dr. Priya Raman",
        tags=["fellowship"],
        linked_member=mentor,
        where_met="interview",
    )
    contact_import = ContactImport.objects.create(
        member=resident, filename="contacts.csv", encoding="UTF-8", rows=[]
    )
    from leadership.models import Opening

    opening = Opening.objects.create(
        title="Wellness council seat",
        kind=Opening.Kind.COMMITTEE,
        how_to_apply="Email the chair.",
        contact="Dr Chair",
    )
    from mentorship import services as mentoring
    from mentorship.models import MentorProfile, MentorshipRequest

    profile = MentorProfile.objects.create(member=mentor, types=["career"])
    wanted = MentorshipRequest.objects.create(
        mentee=resident, types=["career"], goals="Fellowship"
    )
    matching_round = mentoring.round_run(by=co_lead.user)
    from django.utils import timezone

    from mentorship.models import MatchingRound

    confirmed_round = MatchingRound.objects.create(
        created_by=co_lead.user, status="confirmed", confirmed_at=timezone.now()
    )
    match = mentoring.match_ask_directly(request=wanted, mentor=profile, kind="career")
    return {
        ("mentorship:ask", "pk"): profile.pk,
        ("mentorship:match", "pk"): match.pk,
        ("mentorship:match_action", "pk"): match.pk,
        ("mentorship:answer", "token"): mentoring.answer_token(match, "accept"),
        ("mentorship:round", "pk"): matching_round.pk,
        ("mentorship:round_progress", "pk"): confirmed_round.pk,
        ("mentorship:swap", "pk"): matching_round.proposals.get().pk,
        ("contacts:edit", "pk"): contact.pk,
        ("contacts:delete", "pk"): contact.pk,
        ("contacts:logged_today", "pk"): contact.pk,
        ("contacts:import_detail", "pk"): contact_import.pk,
        ("leadership:detail", "pk"): opening.pk,
        ("leadership:edit", "pk"): opening.pk,
        ("leadership:action", "pk"): opening.pk,
        ("leadership:save", "pk"): opening.pk,
        ("leadership:got_it", "pk"): opening.pk,
        ("tracker:document_edit", "pk"): document.pk,
        ("tracker:document_delete", "pk"): document.pk,
        ("tracker:trip_edit", "pk"): trip.pk,
        ("tracker:trip_delete", "pk"): trip.pk,
        **handbook,
        ("handbook:revision", "pk"): revision.pk,
        ("handbook:revision_review", "pk"): revision.pk,
        ("handbook:revision_restore", "pk"): revision.pk,
        ("handbook:timeline_edit", "pk"): timeline.pk,
        ("handbook:attachment", "pk"): attachment.pk,
        ("handbook:attachment_delete", "pk"): attachment.pk,
        ("handbook:timeline_delete", "pk"): timeline.pk,
        ("events:detail", "pk"): public_event.pk,
        ("events:ics", "pk"): event.pk,
        ("events:rsvp", "pk"): event.pk,
        ("events:edit", "pk"): event.pk,
        ("events:action", "pk"): event.pk,
        ("events:reminders", "pk"): event.pk,
        ("events:checkin", "pk"): event.pk,
        ("events:code_checkin", "pk"): event.pk,
        ("events:waitlist", "pk"): event.pk,
        ("events:questions", "pk"): event.pk,
        ("events:attendees", "pk"): event.pk,
        ("events:attendees_csv", "pk"): event.pk,
        ("events:approval", "pk"): event.pk,
        ("events:sign_in_sheet", "pk"): event.pk,
        ("events:message", "pk"): event.pk,
        ("events:message_email", "pk"): event.pk,
        ("events:message_email_raw", "pk"): event.pk,
        ("events:announcement_email", "pk"): event.pk,
        ("events:announcement_email_raw", "pk"): event.pk,
        ("events:copy", "pk"): event.pk,
        ("events:repeat", "pk"): event.pk,
        ("events:series_ics", "pk"): repeating.pk,
        ("events:feedback", "pk"): event.pk,
        ("events:feedback_results", "pk"): event.pk,
        ("events:feed", "token"): event_services.calendar_feed_for(other).token,
        ("events:offer", "token"): events_rsvps.offer_token(offered),
        ("newsletters:detail", "pk"): newsletter.pk,
        ("newsletters:manage_detail", "pk"): newsletter.pk,
        ("newsletters:manage_email", "pk"): newsletter.pk,
        ("newsletters:manage_email_raw", "pk"): newsletter.pk,
        ("newsletters:manage_progress", "pk"): newsletter.pk,
        ("newsletters:edit", "pk"): newsletter.pk,
        ("notifications:unsubscribe", "token"): unsubscribe_token(
            other.pk, "newsletter"
        ),
        ("members:join_request_decide", "pk"): MemberFactory(status="pending").pk,
        ("members:detail", "pk"): other.pk,
        ("members:edit", "pk"): other.pk,
        ("members:leadership_edit", "pk"): role.pk,
        ("members:leadership_delete", "pk"): role.pk,
        ("members:import_detail", "pk"): job.pk,
        ("members:import_progress", "pk"): job.pk,
        ("members:rollover_undo", "pk"): run.pk,
        ("members:handoff_step_down", "pk"): co_lead.pk,
        ("members:handoff_answer", "pk"): invitation.pk,
        ("members:deletion_request_decide", "pk"): deletion.pk,
    }
