"""Declining a join request asks first: a confirm page names the person and
says what happens; only its "Yes, decline" button declines. Approve stays one
click."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from members import services
from members.models import Member
from tests.conftest import client_for, confirm_fingerprint, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
LIST = "members:join_requests"


@pytest.fixture
def applicant(db):
    return MemberFactory(
        status=Member.Status.PENDING,
        user__first_name="Zainab",
        user__last_name="Okafor",
        user__email="zainab.okafor@example.org",
    )


def _url(member) -> str:
    return reverse("members:join_request_decide", args=[member.pk])


def _cancel_href(response) -> str:
    found = re.search(r'href="([^"]*)">Go back without doing it', page_text(response))
    assert found, "no way back on the confirm page"
    return found.group(1)


def test_decline_shows_a_confirm_page_naming_the_person_and_changes_nothing(
    co_lead, applicant, django_capture_on_commit_callbacks
):
    client = client_for(co_lead)
    list_page = page_text(client.get(reverse(LIST)))
    assert "Zainab Okafor" in list_page and 'value="decline"' in list_page
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(_url(applicant), {"decision": "decline"})
    assert first.status_code == 200
    text = page_text(first)
    main = text.split("<main", 1)[1].split("</main>")[0]
    assert '<form method="post"' in main and "<script" not in main
    assert "Decline Zainab Okafor's join request?" in text
    assert "zainab.okafor@example.org" in text
    assert "we email them" in text and "can't use the portal" in text
    assert "Yes, decline Zainab Okafor" in text
    assert _cancel_href(first) == reverse(LIST)
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.PENDING
    assert applicant.user.is_active
    assert mail.outbox == []


def test_yes_decline_declines_and_emails_them(
    co_lead, applicant, django_capture_on_commit_callbacks
):
    client = client_for(co_lead)
    first = client.post(_url(applicant), {"decision": "decline"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(applicant),
            {"decision": "decline", "confirm_fingerprint": confirm_fingerprint(first)},
        )
    assert response["Location"] == reverse(LIST)
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.INACTIVE
    assert [m.to for m in mail.outbox] == [["zainab.okafor@example.org"]]
    listed = page_text(client.get(response["Location"]))
    assert "Zainab Okafor's request was declined" in listed
    assert "Nobody is waiting." in listed


def test_a_stale_or_made_up_confirm_asks_again_and_declines_nothing(co_lead, applicant):
    response = client_for(co_lead).post(
        _url(applicant), {"decision": "decline", "confirm_fingerprint": "0" * 16}
    )
    assert response.status_code == 409
    assert "Yes, decline Zainab Okafor" in page_text(response)
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.PENDING


def test_approve_stays_one_click(co_lead, applicant):
    response = client_for(co_lead).post(_url(applicant), {"decision": "approve"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.ACTIVE


def test_a_request_approved_meanwhile_is_not_found_on_confirm(
    co_lead, applicant, django_capture_on_commit_callbacks
):
    """Another co-lead approved it while the confirm page was open: 404, and
    the new member stays a member and gets no decline email."""
    client = client_for(co_lead)
    first = client.post(_url(applicant), {"decision": "decline"})
    services.member_approve(member=applicant, by=co_lead.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(applicant),
            {"decision": "decline", "confirm_fingerprint": confirm_fingerprint(first)},
        )
    assert response.status_code == 404
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.ACTIVE
    assert mail.outbox == []


def test_declining_twice_is_not_found_the_second_time(co_lead, applicant):
    """A double click on "Yes, decline" declines once; the second is a 404."""
    client = client_for(co_lead)
    first = client.post(_url(applicant), {"decision": "decline"})
    data = {"decision": "decline", "confirm_fingerprint": confirm_fingerprint(first)}
    assert client.post(_url(applicant), data).status_code == 302
    assert client.post(_url(applicant), data).status_code == 404
    assert client.post(_url(applicant), {"decision": "decline"}).status_code == 404


def test_next_is_kept_through_the_confirm(co_lead, applicant):
    """From the home page's list: cancel and the confirm both go back home."""
    client = client_for(co_lead)
    first = client.post(_url(applicant), {"decision": "decline", "next": "/"})
    assert _cancel_href(first) == "/"
    response = client.post(
        _url(applicant),
        {
            "decision": "decline",
            "next": "/",
            "confirm_fingerprint": confirm_fingerprint(first),
        },
    )
    assert response["Location"] == "/"


def test_an_unsafe_next_goes_back_to_the_list(co_lead, applicant):
    client = client_for(co_lead)
    evil = "https://evil.example/"
    first = client.post(_url(applicant), {"decision": "decline", "next": evil})
    assert "evil.example" not in page_text(first)
    assert _cancel_href(first) == reverse(LIST)
    response = client.post(
        _url(applicant),
        {
            "decision": "decline",
            "next": evil,
            "confirm_fingerprint": confirm_fingerprint(first),
        },
    )
    assert response["Location"] == reverse(LIST)


@pytest.mark.parametrize("role", ["resident", "mentor", "gme_staff"])
def test_other_roles_get_no_confirm_page(role, request, applicant):
    response = client_for(request.getfixturevalue(role)).post(
        _url(applicant), {"decision": "decline"}
    )
    assert response.status_code == 403
    assert "Zainab" not in page_text(response)
