"""The security baseline a GME office can check: headers, 2FA, sessions."""

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Member, Role
from members.services import member_deactivate
from tests.conftest import client_for
from tests.factories import PASSWORD, MemberFactory, current_totp_code, give_totp

pytestmark = pytest.mark.django_db


def test_every_page_has_a_csp_without_inline_scripts(client, resident):
    for response in (
        client.get(reverse("account_login")),
        client_for(resident).get(reverse("home")),
    ):
        policy = response["Content-Security-Policy"]
        directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ")}
        assert directives["script-src"] == ["'self'"]
        assert directives["default-src"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in policy


def test_no_page_uses_inline_scripts_or_styles(client, co_lead):
    """The CSP would block them; none of our pages may depend on them."""
    pages = [
        client.get(reverse("account_login")).content.decode(),
        client.get(reverse("account_signup")).content.decode(),
        client_for(co_lead).get(reverse("home")).content.decode(),
    ]
    for page in pages:
        assert "<script>" not in page
        assert " style=" not in page
        assert " onclick=" not in page


def test_signed_in_pages_are_never_cached(resident):
    response = client_for(resident).get(reverse("home"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_framing_and_referrer_headers(client):
    response = client.get(reverse("account_login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_hsts_is_sent_over_https(client):
    response = client.get(reverse("account_login"), secure=True)
    assert "max-age=31536000" in response["Strict-Transport-Security"]
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_session_and_csrf_cookies_use_the_host_prefix(client, resident):
    client.get(reverse("account_login"))
    response = client.post(
        reverse("account_login"), {"login": resident.user.email, "password": PASSWORD}
    )
    session_cookie = response.cookies["__Host-sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert session_cookie["path"] == "/"
    assert not session_cookie["domain"]
    assert "__Host-csrftoken" in client.cookies


@pytest.mark.parametrize("role", [Role.GME_STAFF, Role.CO_LEAD])
def test_staff_without_2fa_must_set_it_up_before_seeing_member_data(role):
    member = MemberFactory(roles=[role])
    response = client_for(member).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_2fa_requirement_does_not_block_account_pages(gme_staff):
    gme_staff.user.authenticator_set.all().delete()
    client = client_for(gme_staff)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def test_residents_are_not_forced_into_2fa(resident):
    assert client_for(resident).get(reverse("home")).status_code == 200


def test_the_demo_switch_turns_the_2fa_requirement_off(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    member = MemberFactory(roles=[Role.CO_LEAD])
    assert client_for(member).get(reverse("home")).status_code == 200


def test_co_lead_with_2fa_signs_in_with_password_then_code():
    member = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(member.user)
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": member.user.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet (`/` would answer with the public front door).
    assert client.get(reverse("members:directory")).status_code == 302
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    right = client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert right.status_code == 302
    assert client.get(reverse("members:directory")).status_code == 200


def test_deactivating_a_member_ends_their_sessions(resident, co_lead):
    browser = Client()
    browser.post(
        reverse("account_login"), {"login": resident.user.email, "password": PASSWORD}
    )
    assert browser.get(reverse("members:directory")).status_code == 200
    member_deactivate(member=resident, by=co_lead.user)
    response = browser.get(reverse("members:directory"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    resident.refresh_from_db()
    assert resident.status == Member.Status.INACTIVE
    assert not resident.user.is_active
    again = Client().post(
        reverse("account_login"), {"login": resident.user.email, "password": PASSWORD}
    )
    assert again["Location"] == reverse("account_inactive")
