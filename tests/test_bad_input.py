"""Each input the held-out review answered with a 500, now a clear 4xx or a
message on the page (the fuzz test covers the rest of the space)."""

from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from events import rsvps as events_rsvps
from events import services as event_services
from events.models import ReminderRule, Rsvp
from imgportal.params import as_id, safe_next
from members.models import ImportJob
from mentorship import services as mentoring
from notifications.unsubscribe import SALT as UNSUBSCRIBE_SALT
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory
from tests.urls import url_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["abc", "²", "١٢", "-1", "1" * 30, "", " "])
def test_only_plain_digits_are_ids(value):
    assert as_id(value) is None


def test_plain_digits_are_ids():
    assert as_id(" 42 ") == 42


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("events:checkin", "rsvp"),
        ("events:waitlist", "rsvp"),
        ("mentorship:round", "proposal"),
        ("mentorship:swap", "mentor"),
        ("handbook:editors", "remove"),
    ],
)
@pytest.mark.parametrize("value", ["abc", "²", ""])
def test_a_non_numeric_id_is_a_404(name, field, value, co_lead, url_context):
    response = client_for(co_lead).post(url_of(name, url_context), {field: value})
    assert response.status_code == 404


def test_bulk_action_with_a_superscript_id_changes_nothing(co_lead):
    pending = MemberFactory(status="pending")
    response = client_for(co_lead).post(
        reverse("members:bulk"),
        {"action": "approve", "members": ["²", str(pending.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    pending.refresh_from_db()
    assert pending.status == "pending"


@pytest.mark.parametrize(
    "next_url", ["x", "//evil.example/", "http://evil.example/", "/a\x00b", "/a b"]
)
def test_a_malformed_next_goes_to_the_default_page(rf, next_url):
    request = rf.post("/", {"next": next_url})
    assert safe_next(request, "/default/") == "/default/"


def test_a_path_next_is_kept(rf):
    request = rf.post("/", {"next": "/members/manage/?page=2"})
    assert safe_next(request, "/default/") == "/members/manage/?page=2"


def test_join_request_decision_with_next_x_goes_back_to_the_list(co_lead):
    pending = MemberFactory(status="pending")
    response = client_for(co_lead).post(
        reverse("members:join_request_decide", args=[pending.pk]),
        {"decision": "approve", "next": "x"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("members:join_requests")


def test_a_nul_in_the_check_in_search_finds_the_name(co_lead):
    event = EventFactory()
    member = MemberFactory(user__first_name="Nadia")
    events_rsvps.rsvp_yes(event=event, member=member)
    url = reverse("events:checkin", args=[event.pk])
    response = client_for(co_lead).get(url, {"q": "Na\x00dia"})
    assert response.status_code == 200
    assert "Nadia" in page_text(response)
    rsvp = Rsvp.objects.get(event=event, member=member)
    marked = client_for(co_lead).post(
        url, {"rsvp": rsvp.pk, "present": "1", "q": "Na\x00dia & co"}
    )
    assert marked["Location"] == f"{url}?q=Nadia+%26+co#rsvp-{rsvp.pk}"


def _upload(client, content: bytes):
    return client.post(
        reverse("members:import"),
        {"file": SimpleUploadedFile("roster.csv", content, "text/csv")},
        follow=True,
    )


HEADER = b"email,first_name,last_name\n"


def _problems(response) -> str:
    job = ImportJob.objects.latest("pk")
    assert job.file_errors == []
    return page_text(response)


def test_a_nul_byte_in_a_roster_cell_rejects_that_row_only(co_lead):
    response = _upload(
        client_for(co_lead),
        HEADER + b"nul@example.org,Na\x00dia,Rahman\nok@example.org,Kofi,Mensah\n",
    )
    assert response.status_code == 200
    text = _problems(response)
    assert "first_name: holds a NUL byte" in text
    job = ImportJob.objects.latest("pk")
    assert [r["action"] for r in job.preview] == ["reject", "create"]


def test_a_200_kb_roster_cell_rejects_that_row_only(co_lead):
    response = _upload(
        client_for(co_lead),
        HEADER
        + b"big@example.org,"
        + b"x" * 200_000
        + b",Rahman\nok@example.org,K,M\n",
    )
    assert response.status_code == 200
    assert "first_name: longer than 255 characters" in _problems(response)
    job = ImportJob.objects.latest("pk")
    assert [r["action"] for r in job.preview] == ["reject", "create"]


def test_a_roster_with_cr_only_line_ends_reads_every_row(co_lead):
    content = HEADER + b"a@example.org,Ana,Lee\n" + b"b@example.org,,Kim\n"
    response = _upload(client_for(co_lead), content.replace(b"\n", b"\r"))
    assert response.status_code == 200
    assert "first_name: required" in _problems(response)
    job = ImportJob.objects.latest("pk")
    assert [(r["row"], r["action"]) for r in job.preview] == [
        (2, "create"),
        (3, "reject"),
    ]


REMINDER_FORM = {
    "form-TOTAL_FORMS": "1",
    "form-INITIAL_FORMS": "0",
    "form-MIN_NUM_FORMS": "0",
    "form-MAX_NUM_FORMS": "10",
    "form-0-hours_before": "24",
}


@pytest.mark.parametrize("subject", ["{title.foo}", "{0.__class__}", "{title", "}"])
def test_a_reminder_subject_with_other_braces_is_refused_next_to_the_field(
    co_lead, subject
):
    event = EventFactory()
    url = reverse("events:reminders", args=[event.pk])
    response = client_for(co_lead).post(
        url, REMINDER_FORM | {"form-0-subject": subject}
    )
    assert response.status_code == 200
    assert 'Use only "{title}" in braces' in page_text(response)
    assert subject in page_text(response)  # what was typed is kept


def test_a_stored_odd_subject_is_sent_as_text():
    event = EventFactory(title="Visa clinic")
    rule = ReminderRule(event=event, minutes_before=60, subject="{title.foo} {title}")
    assert rule.subject_for(event) == "{title.foo} Visa clinic"


def _signed_but_wrong_offers():
    return [
        signing.dumps("just a string", salt=events_rsvps.OFFER_SALT),
        signing.dumps({"r": "abc", "e": 1}, salt=events_rsvps.OFFER_SALT),
        signing.dumps({"r": 999_999, "e": 1}, salt=events_rsvps.OFFER_SALT),
        "garbage",
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_signed_but_unknown_offer_token_is_a_400(client, method):
    for token in _signed_but_wrong_offers():
        url = reverse("events:offer", args=[token])
        assert getattr(client, method)(url).status_code == 400, token


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_signed_but_unknown_answer_token_is_a_400(client, method):
    signer = signing.TimestampSigner(salt=mentoring.ANSWER_SALT)
    for token in [
        signer.sign("abc:accept"),
        signer.sign("²:accept"),
        signer.sign("999999:accept"),
        signer.sign("nothing"),
        "garbage",
    ]:
        url = reverse("mentorship:answer", args=[token])
        assert getattr(client, method)(url).status_code == 400, token


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_signed_but_unknown_unsubscribe_token_is_a_400(client, method):
    for data in [
        "just a string",
        {"c": "newsletter"},
        {"m": "abc", "c": "newsletter"},
        {"m": 999_999, "c": "newsletter"},
        {"m": MemberFactory().pk, "c": "nothing"},
    ]:
        token = signing.dumps(data, salt=UNSUBSCRIBE_SALT, compress=True)
        url = reverse("notifications:unsubscribe", args=[token])
        assert getattr(client, method)(url).status_code == 400, data


def test_a_malformed_calendar_token_is_a_400_and_an_unknown_one_a_404(client):
    assert client.get("/events/feed/a%00b.ics").status_code == 400
    assert client.get("/events/feed/a%20b.ics").status_code == 400
    assert client.get(reverse("events:feed", args=["x" * 43])).status_code == 404


def test_moving_a_cancelled_event_is_refused_with_a_clear_message(co_lead):
    """Issue 16, bad input: a cancelled event told everyone it is off; moving
    it would tell nobody. The edit page says so instead of a bare 404, a
    posted move changes nothing, and the service refuses it on the field."""
    event = EventFactory()
    event_services.event_cancel(event=event, by=co_lead.user)
    client = client_for(co_lead)
    url = reverse("events:edit", args=[event.pk])
    later = event.starts_at + timedelta(days=7)
    for response in (
        client.get(url, follow=True),
        client.post(
            url,
            {
                "title": event.title,
                "starts_at": timezone.localtime(later).strftime("%Y-%m-%dT%H:%M"),
            },
            follow=True,
        ),
    ):
        assert response.status_code == 200
        assert "This event was cancelled, so it can't be changed or moved" in (
            page_text(response)
        )
    event.refresh_from_db()
    assert event.starts_at != later
    event.starts_at, event.ends_at = later, later + timedelta(hours=2)
    with pytest.raises(ValidationError) as refused:
        event_services.event_save(event=event, by=co_lead.user)
    assert "can't be moved" in refused.value.message_dict["starts_at"][0]
