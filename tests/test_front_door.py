"""The public front door at `/` and public event pages, as a visitor who is not
signed in sees them (issue 22 item 1)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import rsvps, series
from events.models import Event, Question, Rsvp
from imgportal.sso_config import social_providers
from members.models import CoLeadTerm, Member, Role, Specialty
from tests.conftest import client_for, page_text
from tests.events.test_organising import _form
from tests.factories import (
    ChapterFactory,
    EventFactory,
    MemberFactory,
    bulk_members,
    bulk_published_pages,
    published_page,
)

pytestmark = pytest.mark.django_db

RIVERSIDE = {
    "GROUP_NAME": "Riverside IMG Network",
    "GROUP_SHORT_NAME": "Riverside IMGs",
    "GROUP_INSTITUTION": "Riverside Health",
    "GROUP_GME_OFFICE": "the Riverside GME Office",
    "GROUP_CONTACT_EMAIL": "img-network@riverside.example",
}
INSTITUTION = social_providers(
    oidc={
        "name": "Riverside Sign-In",
        "issuer": "https://idp.riverside.example",
        "client_id": "portal",
    },
    saml={},
)


def front_door() -> str:
    response = Client().get(reverse("home"))
    assert response.status_code == 200
    assert "home/front_door.html" in [t.name for t in response.templates]
    return page_text(response)


def public_event(**fields) -> Event:
    return EventFactory(visibility=Event.Visibility.PUBLIC, **fields)


def co_lead_named(first: str, last: str, **fields) -> Member:
    return MemberFactory(
        user__first_name=first, user__last_name=last, roles=[Role.CO_LEAD], **fields
    )


@override_settings(**RIVERSIDE)
def test_a_visitor_reads_who_the_group_is_and_each_block(co_lead):
    """The group from its settings, what members get, the public events, the
    newest handbook pages, the co-leads, how to join and the contact."""
    public_event(title="Panel for incoming residents and fellows")
    page = published_page(by=co_lead.user, title="Finding a flat before you arrive")
    Member.objects.filter(pk=co_lead.pk).update(
        specialty=Specialty.objects.get(name="Pediatrics")
    )
    text = front_door()
    assert "<h1" in text and "Riverside IMG Network</h1>" in text
    assert "Riverside Health" in text
    assert "the Riverside GME Office" in text
    assert 'href="mailto:img-network@riverside.example"' in text
    assert "What members get" in text
    assert "Panel for incoming residents and fellows" in text
    assert "Finding a flat before you arrive" in text
    assert page.get_absolute_url() in text
    assert f"<strong>{co_lead.full_name}</strong>, Pediatrics" in text
    assert reverse("account_signup") in text  # how to join
    assert reverse("events:list") in text


def test_only_published_public_events_are_on_the_front_door():
    """Members-only, draft and cancelled events, and those that are over, are
    not shown to visitors."""
    public_event(title="Open orientation")
    EventFactory(title="Members-only happy hour")
    public_event(title="Draft panel", status=Event.Status.DRAFT)
    public_event(title="Cancelled workshop", status=Event.Status.CANCELLED)
    past = timezone.now() - timedelta(days=3)
    public_event(
        title="Last week's webinar", starts_at=past, ends_at=past + timedelta(hours=1)
    )
    text = front_door()
    assert "Open orientation" in text
    for hidden in (
        "Members-only happy hour",
        "Draft panel",
        "Cancelled workshop",
        "Last week's webinar",
    ):
        assert hidden not in text
    listed = page_text(Client().get(reverse("events:list")))
    assert "Open orientation" in listed
    assert "Members-only happy hour" not in listed


def test_members_only_handbook_pages_are_not_highlighted(co_lead):
    published_page(by=co_lead.user, title="Open housing page")
    published_page(by=co_lead.user, title="Members housing page", members_only=True)
    text = front_door()
    assert "Open housing page" in text
    assert "Members housing page" not in text


def _excerpt(text: str, title: str) -> str:
    """The words shown under a handbook highlight on the front door."""
    item = text.split(f">{title}</a>", 1)[1].split("</li>", 1)[0]
    return re.search(r'<p class="small mb-0">(.*?)</p>', item, re.DOTALL).group(1)


def test_a_highlight_starting_with_a_list_keeps_its_items_apart(co_lead):
    """A page that opens with a bulleted list reads as its items, one after the
    other, not as one run-on line; the heading and paragraph after it too."""
    published_page(
        by=co_lead.user,
        title="Your first week",
        body=(
            "- Bring your passport\n- Bring the I-20\n- Book a flat\n\n"
            "## Then\n\nOpen a bank account."
        ),
    )
    assert _excerpt(front_door(), "Your first week") == (
        "Bring your passport · Bring the I-20 · Book a flat · Then · "
        "Open a bank account."
    )


def test_a_highlight_is_short_and_carries_no_markup(co_lead):
    """Formatting, links, raw HTML and heading anchors are dropped: the excerpt
    is plain words, at most 24 of them, the rest cut with an ellipsis."""
    published_page(
        by=co_lead.user,
        title="Deposits",
        body=(
            'Pay **two months** <b onclick="x()">up front</b> '
            "<script>alert(1)</script>& see [the GME office](https://gme.example).\n\n"
            "1. Ask for a receipt\n2. Keep it\n\n"
            "| Day | Step |\n|---|---|\n| 1 | Sign |\n\n" + "word " * 40
        ),
    )
    excerpt = _excerpt(front_door(), "Deposits")
    assert excerpt.startswith(
        "Pay two months up front & see the GME office. · Ask for a receipt · "
        "Keep it · Day · Step · 1 · Sign · word"
    )
    assert excerpt.endswith("…")
    assert len(excerpt.replace(" · ", " ").split()) == 24
    for raw in ("<", "alert", "onclick", "gme.example", "**"):
        assert raw not in excerpt


def test_signed_in_members_still_land_on_their_home(resident):
    response = client_for(resident).get(reverse("home"))
    assert response.status_code == 200
    assert "home/front_door.html" not in [t.name for t in response.templates]
    assert "no-store" in response["Cache-Control"]


def test_a_pending_member_still_goes_to_the_waiting_page(pending_member):
    response = client_for(pending_member).get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("members:pending")


def test_visitors_pages_may_be_cached_briefly_and_vary_on_the_cookie():
    event = public_event()
    for url in (reverse("home"), reverse("events:list"), event.get_absolute_url()):
        response = Client().get(url)
        assert "public" in response["Cache-Control"], url
        assert "max-age=60" in response["Cache-Control"], url
        assert "Cookie" in response["Vary"], url


def test_a_public_event_page_asks_a_visitor_to_sign_in_and_names_nobody(mentor):
    """Title, time, place, description and places left; "Sign in to RSVP" back
    to the event; no attendee, organiser or panelist, no online link and no
    registration question."""
    event = public_event(
        title="IMG orientation",
        capacity=10,
        online_url="https://meet.example.org/secret-room",
    )
    event.organisers.add(mentor)
    event.panelists.create(name="Dr Panel Speaker")
    Question.objects.create(event=event, label="Dietary needs?", kind="text")
    going = MemberFactory(user__first_name="Zainab", user__last_name="Okafor")
    rsvps.rsvp_yes(event=event, member=going)
    response = Client().get(event.get_absolute_url())
    assert response.status_code == 200
    text = page_text(response)
    assert "IMG orientation" in text
    assert "Faculty Club, 2nd floor" in text
    assert "Drinks and snacks on <strong>GME</strong>." in text
    assert "9 places left" in text
    assert "Sign in to RSVP" in text
    assert f'href="{reverse("account_login")}?next={event.get_absolute_url()}"' in text
    assert reverse("account_signup") in text  # a join link too
    for private in (
        "Zainab",
        "Okafor",
        mentor.full_name,
        "Dr Panel Speaker",
        "Dietary needs?",
        "secret-room",
        event.checkin_code,
        'name="answer"',
        "csrfmiddlewaretoken",
    ):
        assert private not in text, private


@pytest.mark.parametrize(
    "kind", ["members_only", "draft", "cancelled", "missing"], ids=str
)
def test_visitors_are_sent_to_sign_in_for_any_other_event(kind):
    """A members-only, draft or cancelled event and an id that doesn't exist
    all answer alike: the sign-in page, back to the event afterwards (a 404 for
    some would tell visitors which events exist)."""
    event = {
        "members_only": lambda: EventFactory(),
        "draft": lambda: public_event(status=Event.Status.DRAFT),
        "cancelled": lambda: public_event(status=Event.Status.CANCELLED),
        "missing": lambda: None,
    }[kind]()
    url = reverse("events:detail", args=[event.pk if event else 999_999])
    response = Client().get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


def test_signing_in_from_a_public_event_brings_the_member_back_to_rsvp(resident):
    event = public_event()
    client = client_for(resident)
    text = page_text(client.get(event.get_absolute_url()))
    assert "Sign in to RSVP" not in text
    assert 'name="answer" value="yes"' in text
    assert 'data-testid="event-visibility"' in text  # marked public for members


def test_visitors_reading_about_the_group_are_sent_to_the_front_door(resident):
    assert Client().get(reverse("members:about")).url == reverse("home")
    assert client_for(resident).get(reverse("members:about")).status_code == 200


def test_visibility_round_trips_on_the_event_form(co_lead):
    """Created public, shown checked on the edit page, kept by an unchanged
    save and by an edit of something else; members only when not given."""
    client = client_for(co_lead)
    client.post(reverse("events:create"), _form(visibility="public"))
    event = Event.objects.get()
    assert event.visibility == Event.Visibility.PUBLIC
    edit = page_text(client.get(reverse("events:edit", args=[event.pk])))
    (public_radio,) = [
        tag
        for tag in re.findall(r"<input[^>]*>", edit)
        if 'name="visibility"' in tag and 'value="public"' in tag
    ]
    assert "checked" in public_radio
    client.post(
        reverse("events:edit", args=[event.pk]),
        _form(visibility="public", title="Renamed panel"),
    )
    event.refresh_from_db()
    assert (event.title, event.visibility) == ("Renamed panel", "public")
    # A post without the choice (an older page) keeps it.
    client.post(reverse("events:edit", args=[event.pk]), _form(title="Renamed again"))
    event.refresh_from_db()
    assert event.visibility == Event.Visibility.PUBLIC
    client.post(reverse("events:edit", args=[event.pk]), _form(visibility="members"))
    event.refresh_from_db()
    assert event.visibility == Event.Visibility.MEMBERS
    client.post(reverse("events:create"), _form(title="Second"))
    assert Event.objects.get(title="Second").visibility == Event.Visibility.MEMBERS


def test_a_copy_and_a_series_keep_the_visibility(co_lead):
    event = public_event()
    copy = series.event_copy(
        event=event, starts_at=event.starts_at + timedelta(days=7), by=co_lead.user
    )
    assert copy.visibility == Event.Visibility.PUBLIC
    repeated = series.series_create(
        event=event, rule="FREQ=WEEKLY;COUNT=3", by=co_lead.user
    )
    dates = repeated.events.all()
    assert dates.count() == 3
    assert set(dates.values_list("visibility", flat=True)) == {"public"}
    # "This date and all later ones" carries a change of visibility.
    client_for(co_lead).post(
        reverse("events:edit", args=[event.pk]),
        _form(visibility="members", apply_to="later"),
    )
    assert set(dates.values_list("visibility", flat=True)) == {"members"}


def test_the_front_door_costs_the_same_queries_with_2_and_30_of_everything(
    co_lead,
):
    """Public events, handbook pages and co-leads: the same number of queries
    with 2 of each as with 30."""
    chapter = ChapterFactory()
    creator = co_lead.user
    today = timezone.localdate()

    def count(n: int) -> int:
        start = timezone.now() + timedelta(days=3)
        Event.objects.bulk_create(
            Event(
                title=f"Public {i}",
                kind="social",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                status="published",
                visibility="public",
                capacity=20,
                created_by=creator,
            )
            for i in range(n - Event.objects.count())
        )
        bulk_published_pages(chapter, n - chapter.pages.count(), author=creator)
        CoLeadTerm.objects.bulk_create(
            CoLeadTerm(member=member, start=today - timedelta(days=30))
            for member in bulk_members(n - CoLeadTerm.objects.count())
        )
        Client().get(reverse("home"))  # warm what is cached (templates)
        with CaptureQueriesContext(connection) as queries:
            front_door()
        return len(queries)

    assert count(2) == count(30)


def test_the_front_door_shows_four_public_events_and_links_to_all():
    for i in range(6):
        public_event(title=f"Open event {i}")
    text = front_door()
    assert sum(f"Open event {i}" in text for i in range(6)) == 4
    assert "All upcoming public events" in text


@override_settings(PASSWORD_SIGNIN=True)
def test_with_sign_up_open_the_front_door_offers_the_sign_up_form():
    text = front_door()
    assert reverse("account_signup") in text
    assert 'data-testid="join-sign-up"' in text
    assert "Sign-up with a password is closed" not in text


@override_settings(PASSWORD_SIGNIN=True, SOCIALACCOUNT_PROVIDERS=INSTITUTION)
def test_with_both_the_front_door_offers_sign_up_and_the_institution():
    text = front_door()
    assert 'data-testid="join-sign-up"' in text
    assert "Riverside Sign-In" in text
    assert "your first sign-in asks the co-leads to let you in" in text


@override_settings(PASSWORD_SIGNIN=False, SOCIALACCOUNT_PROVIDERS=INSTITUTION)
def test_with_sign_up_closed_the_front_door_sends_people_to_the_institution():
    """Sign-up closed: join with the institution's sign-in, never a dead link
    to the sign-up form (on the front door and on a public event)."""
    event = public_event()
    for text in (front_door(), page_text(Client().get(event.get_absolute_url()))):
        assert "Sign-up with a password is closed" in text
        assert "Riverside Sign-In" in text
        assert 'data-testid="join-institution"' in text
        assert 'data-testid="join-sign-up"' not in text
        main = text.split("<main", 1)[1].split("</main>", 1)[0]
        assert f'href="{reverse("account_signup")}"' not in main


def test_no_visa_status_or_address_of_a_co_lead_ever_appears():
    """Co-leads with visa statuses: their names show, never the statuses'
    labels or their email addresses, nor a specialty they keep hidden."""
    shown = co_lead_named("Amara", "Nwosu", visa_status=Member.VisaStatus.H1B)
    hidden = co_lead_named(
        "Rahul",
        "Mehta",
        visa_status=Member.VisaStatus.J1,
        directory_fields=["pronouns"],
        specialty=Specialty.objects.get(name="Neurology"),
    )
    co_lead_named("Lin", "Wei", visa_status=Member.VisaStatus.F1_OPT)
    past = co_lead_named("Old", "Colead", visa_status=Member.VisaStatus.O1)
    CoLeadTerm.objects.filter(member=past).update(
        start=timezone.localdate() - timedelta(days=900),
        end=timezone.localdate() - timedelta(days=400),
    )
    text = front_door()
    assert "Amara Nwosu" in text and "Rahul Mehta" in text and "Lin Wei" in text
    assert "Old Colead" not in text  # a past term
    assert "Neurology" not in text
    for label in map(str, Member.VisaStatus.labels):
        if label == "Other":
            continue  # an everyday word; the status codes are checked below
        assert label not in text, label
    for member in (shown, hidden, past):
        assert member.user.email not in text
    assert not Rsvp.objects.exists()


def test_the_demo_data_fills_the_front_door_with_public_events():
    """`make run` (seed_demo) shows visitors the panels, orientations and
    webinars; the happy hours stay for members."""
    from events.demo import seed_events
    from tests.factories import UserFactory

    UserFactory(email="gme@demo.imgportal.test")
    MemberFactory.create_batch(3)
    assert seed_events() > 0
    public = Event.objects.filter(visibility=Event.Visibility.PUBLIC)
    assert public.exists()
    assert not public.filter(kind="social").exists()
    upcoming = public.filter(ends_at__gte=timezone.now()).order_by("starts_at")
    text = front_door()
    if upcoming.exists():  # late June: this year's last events may be over
        assert upcoming.first().title in text
