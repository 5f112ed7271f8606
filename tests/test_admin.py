import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from members.models import AuditEntry, Member
from tests.conftest import client_for
from tests.factories import PASSWORD, MemberFactory, current_totp_code, give_totp

pytestmark = pytest.mark.django_db


def test_every_model_of_ours_is_in_the_admin():
    ours = [
        m
        for app in ("members", "notifications")
        for m in apps.get_app_config(app).get_models()
    ]
    assert ours
    for model in ours:
        assert admin.site.is_registered(model), model


def _superuser():
    member = MemberFactory()
    member.user.is_superuser = member.user.is_staff = True
    member.user.save()
    return member


def test_superuser_must_set_up_2fa_before_the_admin():
    response = client_for(_superuser()).get(reverse("admin:index"))
    assert response["Location"] == reverse("mfa_activate_totp")


def test_superuser_can_open_every_admin_list():
    member = _superuser()
    give_totp(member.user)
    client = client_for(member)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_the_admins_own_password_form_no_longer_signs_anyone_in(client):
    """A superuser with TOTP must not reach the admin with a password alone."""
    member = _superuser()
    give_totp(member.user)
    response = client.get(reverse("admin:login"))
    assert response["Location"].startswith(reverse("account_login"))
    client.post(
        reverse("admin:login"),
        {"username": member.user.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index"))["Location"].startswith("/admin/login/")
    export = client.get(reverse("members:export"))
    assert export.status_code == 302
    assert export["Location"].startswith(reverse("account_login"))


def test_the_admin_signs_in_through_allauth_with_the_2fa_step(client):
    member = _superuser()
    give_totp(member.user)
    response = client.post(
        reverse("account_login"),
        {"login": member.user.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("admin:index")).status_code == 302  # not yet
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_members_not_on_the_staff_are_refused_the_admin_sign_in(resident):
    assert client_for(resident).get(reverse("admin:login")).status_code == 403


@pytest.fixture
def admin_client():
    member = _superuser()
    give_totp(member.user)
    return client_for(member), member


def _change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def test_audited_fields_cannot_be_changed_in_the_admin(admin_client, resident):
    """Visa status, member status, roles, event dates and status, RSVPs and visa
    timelines change only through the services that audit and notify."""
    from events.models import Rsvp
    from tests.factories import EventFactory, TimelineFactory

    client, _admin = admin_client
    event = EventFactory()
    rsvp = Rsvp.objects.create(event=event, member=resident, status="yes")
    timeline = TimelineFactory()
    cases = [
        (resident, {"visa_status": "h1b", "status": "alumni"}),
        (resident.user, {"groups": "1", "is_superuser": "on", "is_active": ""}),
        (event, {"status": "cancelled", "starts_at_0": "2031-01-01"}),
        (rsvp, {"status": "no", "guests": "3"}),
        (timeline, {"wait_days": "999"}),
    ]
    for obj, post in cases:
        obj.refresh_from_db()  # as stored (a factory's role grant bumped a version)
        before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        page = client.get(_change_url(obj)).content.decode()
        for field in post:
            assert f'name="{field}"' not in page, (obj, field)
        client.post(_change_url(obj), post)
        obj.refresh_from_db()
        after = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        assert after == before, obj
    assert list(resident.user.groups.values_list("name", flat=True)) == ["Resident"]
    assert "J-1" not in client.get(_change_url(resident)).content.decode()


def test_filtering_members_by_visa_status_in_the_admin_is_logged(admin_client):
    client, admin_member = admin_client
    j1 = MemberFactory(visa_status="j1")
    MemberFactory(visa_status="h1b")
    url = reverse("admin:members_member_changelist")
    client.get(url)
    assert not AuditEntry.objects.filter(action="visa_viewed").exists()
    client.get(url, {"visa_status__exact": "j1"})
    logged = AuditEntry.objects.filter(action="visa_viewed", actor=admin_member.user)
    assert j1.pk in set(logged.values_list("member_id", flat=True))
    assert set(
        Member.objects.filter(pk__in=logged.values("member_id")).values_list(
            "visa_status", flat=True
        )
    ) == {"j1"}


def test_the_admins_approve_action_goes_through_the_service(admin_client):
    client, _ = admin_client
    pending = MemberFactory(status=Member.Status.PENDING)
    client.post(
        reverse("admin:members_member_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.status == Member.Status.ACTIVE
    assert AuditEntry.objects.filter(member=pending, action="approved").exists()
