"""Join requests: the co-lead's approve/decline page, role by role."""

import pytest
from django.core import mail
from django.urls import reverse

from members.models import Member
from tests.conftest import client_for, confirm_fingerprint

pytestmark = pytest.mark.django_db


def _decide(client, member, decision, **extra):
    return client.post(
        reverse("members:join_request_decide", args=[member.pk]),
        {"decision": decision, **extra},
    )


def test_co_lead_approves_a_join_request(
    co_lead, pending_member, django_capture_on_commit_callbacks
):
    client = client_for(co_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(client, pending_member, "approve")
    assert response["Location"] == reverse("members:join_requests")
    pending_member.refresh_from_db()
    assert pending_member.status == Member.Status.ACTIVE
    page = client.get(response["Location"]).content.decode()
    assert "is now a member" in page
    assert pending_member.user.email not in page
    assert len(mail.outbox) == 1


def test_co_lead_declines_a_join_request(co_lead, pending_member):
    client = client_for(co_lead)
    first = _decide(client, pending_member, "decline")
    pending_member.refresh_from_db()
    assert pending_member.status == Member.Status.PENDING  # the confirm page
    response = _decide(
        client,
        pending_member,
        "decline",
        confirm_fingerprint=confirm_fingerprint(first),
    )
    assert response.status_code == 302
    pending_member.refresh_from_db()
    assert pending_member.status == Member.Status.INACTIVE


def test_a_missing_decision_changes_nothing_and_says_so(co_lead, pending_member):
    client = client_for(co_lead)
    response = _decide(client, pending_member, "")
    pending_member.refresh_from_db()
    assert pending_member.status == Member.Status.PENDING
    assert (
        "Choose Approve or Decline" in client.get(response["Location"]).content.decode()
    )


@pytest.mark.parametrize("role", ["resident", "mentor", "gme_staff"])
def test_other_roles_cannot_approve(role, request, pending_member):
    response = _decide(
        client_for(request.getfixturevalue(role)), pending_member, "approve"
    )
    assert response.status_code == 403
    pending_member.refresh_from_db()
    assert pending_member.status == Member.Status.PENDING


def test_an_already_approved_member_is_not_found(co_lead, resident):
    """Only pending requests can be decided: anything else is a 404."""
    assert _decide(client_for(co_lead), resident, "decline").status_code == 404
    resident.refresh_from_db()
    assert resident.status == Member.Status.ACTIVE


def test_decision_redirects_only_within_the_portal(co_lead, pending_member):
    client = client_for(co_lead)
    evil = "https://evil.example/"
    first = _decide(client, pending_member, "decline", next=evil)
    response = _decide(
        client,
        pending_member,
        "decline",
        next=evil,
        confirm_fingerprint=confirm_fingerprint(first),
    )
    assert response["Location"] == reverse("members:join_requests")


def test_decision_from_home_returns_home(co_lead, pending_member):
    response = _decide(client_for(co_lead), pending_member, "approve", next="/")
    assert response["Location"] == "/"


def test_join_requests_list_is_paginated(co_lead):
    from tests.factories import MemberFactory

    MemberFactory.create_batch(55, status=Member.Status.PENDING)
    client = client_for(co_lead)
    first = client.get(reverse("members:join_requests")).content.decode()
    assert "Page 1 of 2" in first
    assert client.get(reverse("members:join_requests") + "?page=2").status_code == 200
    assert client.get(reverse("members:join_requests") + "?page=9").status_code == 404
