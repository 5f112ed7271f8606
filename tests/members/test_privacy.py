"""Visa status stays private; members decide what the directory shows."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from members.models import AuditEntry, DeletionRequest, Member, Role
from members.services import deletion_request_confirm
from tests.conftest import client_for, post_confirmed
from tests.factories import MemberFactory
from tests.urls import ALL_URLS, kwargs_for

pytestmark = pytest.mark.django_db

CANARY = "CANARY-VISA-7731"


@pytest.fixture
def canary_member():
    """Another member whose visa text is a value we can search every response for."""
    return MemberFactory(
        visa_status=Member.VisaStatus.OTHER,
        visa_other=CANARY,
        directory_fields=[*Member.DIRECTORY_DEFAULT, "email", "phone"],
        user__first_name="Canary",
    )


@pytest.mark.parametrize("role", ["resident", "mentor"])
def test_no_page_a_resident_or_mentor_can_open_shows_anothers_visa(
    role, request, canary_member, django_capture_on_commit_callbacks
):
    """Every GET URL the project defines, with the canary member's id where one is
    taken: the canary never appears (HTML, CSV, JSON or email)."""
    viewer = request.getfixturevalue(role)
    client = client_for(viewer)
    context = {(name, "pk"): canary_member.pk for name in ALL_URLS}
    checked = 0
    with django_capture_on_commit_callbacks(execute=True):
        for name, pattern in ALL_URLS.items():
            if name.startswith("admin:"):
                continue
            url = reverse(name, kwargs=kwargs_for(name, pattern, context))
            for query in ("", "?q=Canary&visa_status=other&sort=name"):
                response = client.get(url + query, follow=True)
                body = b"".join(response) if response.streaming else response.content
                assert CANARY.encode() not in body, url
                checked += 1
    for message in mail.outbox:
        assert CANARY not in message.body
    assert checked > 60


def _crawl(client, context, names, queries=("",)) -> int:
    checked = 0
    for name in names:
        url = reverse(name, kwargs=kwargs_for(name, ALL_URLS[name], context))
        for query in queries:
            response = client.get(url + query, follow=True)
            body = b"".join(response) if response.streaming else response.content
            assert CANARY.encode() not in body, url
            checked += 1
    return checked


def test_a_mentor_with_the_canary_as_mentee_reads_no_visa_anywhere(
    mentor, canary_member, django_capture_on_commit_callbacks
):
    """The mentee did not share their visa for this request: every page the
    mentor can open (the match, the hub, the cards, emails) stays silent."""
    from mentorship import services as mentoring
    from mentorship.models import MentorProfile, MentorshipRequest

    profile = MentorProfile.objects.create(
        member=mentor, types=["career", "img_visa"], visa_paths=["other"]
    )
    wanted = MentorshipRequest.objects.create(
        mentee=canary_member,
        types=["img_visa", "career"],
        goals="Waiver jobs",
        priorities=["visa_experience"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        match = mentoring.match_ask_directly(
            request=wanted, mentor=profile, kind="img_visa"
        )
        mentoring.match_accept(match=match)
        client = client_for(mentor)
        assert "Canary" in client.get(match.get_absolute_url()).content.decode()
        context = {(name, "pk"): canary_member.pk for name in ALL_URLS}
        context[("mentorship:match", "pk")] = match.pk
        names = [n for n in ALL_URLS if not n.startswith("admin:")]
        checked = _crawl(client, context, names, ("", "?kind=img_visa"))
    for message in mail.outbox:
        assert CANARY not in message.body
    assert checked > 60


@pytest.mark.parametrize("own_status", [s for s, _ in Member.VisaStatus.choices])
def test_a_resident_with_each_own_status_reads_no_mentors_visa(
    resident, canary_member, own_status
):
    """The canary is a mentor whose path is their (unshown) visa: no mentoring
    page, whatever the reader's own status, names it."""
    from mentorship.models import MentorProfile, MentorshipRequest

    MentorProfile.objects.create(
        member=canary_member, types=["career", "img_visa"], visa_paths=["other"]
    )
    MentorshipRequest.objects.create(
        mentee=resident, types=["img_visa"], goals="Waiver jobs"
    )
    Member.objects.filter(pk=resident.pk).update(visa_status=own_status)
    client = client_for(resident)
    page = client.get(reverse("mentorship:mentors"), {"kind": "img_visa"})
    assert "Canary" in page.content.decode()
    names = [n for n in ALL_URLS if n.startswith("mentorship:")]
    context = {(name, "pk"): canary_member.mentor_profile.pk for name in names}
    assert _crawl(client, context, names, ("", "?kind=img_visa", "?kind=career"))


def test_directory_and_profile_never_show_visa_to_members(resident, canary_member):
    client = client_for(resident)
    directory = client.get(reverse("members:directory")).content.decode()
    profile = client.get(canary_member.get_absolute_url()).content.decode()
    assert "Canary" in directory and "Canary" in profile
    assert 'data-testid="visa-status"' not in profile


def test_members_see_their_own_visa_status(canary_member):
    page = client_for(canary_member).get(canary_member.get_absolute_url())
    assert CANARY in page.content.decode()


@pytest.mark.parametrize("role", ["gme_staff", "co_lead"])
def test_staff_see_visa_and_each_look_is_logged(role, request, canary_member):
    viewer = request.getfixturevalue(role)
    page = client_for(viewer).get(canary_member.get_absolute_url()).content.decode()
    assert CANARY in page
    entry = canary_member.audit_entries.get(action=AuditEntry.Action.VISA_VIEWED)
    assert entry.actor == viewer.user
    assert entry.ip_address == "127.0.0.1"


def test_the_member_list_logs_a_visa_view_for_each_member_shown(gme_staff):
    MemberFactory.create_batch(3)
    client_for(gme_staff).get(reverse("members:manage"))
    viewed = AuditEntry.objects.filter(
        action=AuditEntry.Action.VISA_VIEWED, actor=gme_staff.user
    )
    # everyone but the viewer themself
    assert viewed.count() == Member.objects.count() - 1


def test_own_profile_form_ignores_status_roles_and_staff_flags(resident):
    client = client_for(resident)
    response = client.post(
        reverse("members:profile_edit"),
        {
            "first_name": "Ana",
            "last_name": "Silva",
            "visa_status": Member.VisaStatus.H1B,
            "status": Member.Status.ALUMNI,
            "is_staff": "on",
            "is_superuser": "on",
            "groups": "4",
            "roles": Role.CO_LEAD,
            "directory_fields": ["specialty"],
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    resident.user.refresh_from_db()
    assert resident.visa_status == Member.VisaStatus.H1B  # her own, she may set it
    assert resident.status == Member.Status.ACTIVE
    assert not resident.user.is_staff and not resident.user.is_superuser
    assert not resident.user.has_perm("members.manage_members")


def test_co_lead_edit_of_someone_else_cannot_change_their_visa(co_lead, resident):
    response = client_for(co_lead).post(
        reverse("members:edit", args=[resident.pk]),
        {
            "first_name": "Corrected",
            "last_name": resident.user.last_name,
            "visa_status": Member.VisaStatus.O1,
            "visa_other": "changed",
            "status": Member.Status.INACTIVE,
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    resident.user.refresh_from_db()
    assert resident.user.first_name == "Corrected"
    assert resident.visa_status == Member.VisaStatus.J1
    assert resident.status == Member.Status.ACTIVE
    entry = resident.audit_entries.get(action=AuditEntry.Action.PROFILE)
    assert entry.actor == co_lead.user
    # The trail says the name changed, never what it was or became.
    assert entry.changes["first_name"] == ["(hidden)", "(hidden)"]


def test_directory_shows_only_what_the_member_chose(resident):
    hidden = MemberFactory(
        user__first_name="Quiet", directory_fields=[], home_country="NG"
    )
    MemberFactory(user__first_name="Open", home_country="NG")
    client = client_for(resident)
    profile = client.get(hidden.get_absolute_url()).content.decode()
    assert "Nigeria" not in profile
    assert "Internal Medicine" not in profile
    # A filter must not reveal a hidden field either.
    found = client.get(reverse("members:directory"), {"home_country": "NG"})
    names = found.content.decode()
    assert "Open" in names and "Quiet" not in names


def test_members_download_all_their_data_as_json(resident):
    response = client_for(resident).get(reverse("members:my_data"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == resident.user.email
    assert data["profile"]["visa_status"] == "j1"
    assert resident.audit_entries.filter(
        action=AuditEntry.Action.DATA_DOWNLOADED
    ).exists()


def test_deletion_is_requested_by_the_member_and_confirmed_by_a_co_lead(
    resident, co_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(resident).post(
            reverse("members:deletion_request"), {"confirm": "on", "reason": "moving"}
        )
    request = DeletionRequest.objects.get()
    assert [m.to for m in mail.outbox] == [[co_lead.user.email]]
    counts_before = Member.objects.filter(visa_status="j1").count()
    post_confirmed(
        client_for(co_lead),
        reverse("members:deletion_request_decide", args=[request.pk]),
        {"decision": "confirm"},
    )
    resident.refresh_from_db()
    resident.user.refresh_from_db()
    assert resident.anonymised_at is not None
    assert resident.user.first_name == "Deleted"
    assert resident.user.email.endswith("@invalid.example")
    assert not resident.user.is_active
    assert resident.bio == "" and resident.languages == []
    # Aggregate counts keep the person (anonymously).
    assert Member.objects.filter(visa_status="j1").count() == counts_before


def test_deletion_without_the_confirmation_tick_is_refused(resident):
    response = client_for(resident).post(reverse("members:deletion_request"), {})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not DeletionRequest.objects.exists()


def test_the_last_co_lead_cannot_be_anonymised(co_lead):
    request = DeletionRequest.objects.create(member=co_lead)
    with pytest.raises(Exception, match="last co-lead"):
        deletion_request_confirm(request=request, by=co_lead.user)
