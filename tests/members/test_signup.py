"""Sign-up, email verification and sign-in, as a new resident goes through them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from members.models import Member, User
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Amara",
    "last_name": "Okafor",
    "email": "amara.okafor@example.org",
    "password1": "stethoscope-on-call-42",
    "password2": "stethoscope-on-call-42",
}


def _signup(client, capture, **changes):
    with capture(execute=True):
        return client.post(reverse("account_signup"), {**SIGNUP, **changes})


def test_signup_creates_a_pending_member_and_sends_a_verification_link(
    client, django_capture_on_commit_callbacks
):
    response = _signup(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="amara.okafor@example.org")
    assert (user.first_name, user.last_name) == ("Amara", "Okafor")
    assert user.member.status == Member.Status.PENDING
    assert not user.groups.exists()
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amara.okafor@example.org"]
    assert re.search(r"/accounts/confirm-email/[-:\w]+/", mail.outbox[0].body)


def test_email_is_the_login_and_usernames_do_not_exist(client):
    form = client.get(reverse("account_signup")).content.decode()
    assert 'name="email"' in form
    assert 'name="username"' not in form


def test_signup_with_a_used_email_says_so_and_creates_nothing(
    client, django_capture_on_commit_callbacks
):
    MemberFactory(user__email="amara.okafor@example.org")
    response = _signup(
        client, django_capture_on_commit_callbacks, email="Amara.Okafor@Example.org"
    )
    assert response.status_code == 200
    assert "already registered with this email" in response.content.decode()
    assert User.objects.filter(email__iexact="amara.okafor@example.org").count() == 1
    assert mail.outbox == []


def test_signup_with_a_weak_password_explains_and_keeps_what_was_typed(
    client, django_capture_on_commit_callbacks
):
    response = _signup(
        client,
        django_capture_on_commit_callbacks,
        password1="password",
        password2="password",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This password is too short" in page
    assert "This password is too common" in page
    assert 'value="Amara"' in page and 'value="amara.okafor@example.org"' in page
    assert not User.objects.exists()


def test_signup_with_a_malformed_email_explains(
    client, django_capture_on_commit_callbacks
):
    response = _signup(
        client, django_capture_on_commit_callbacks, email="amara@@example"
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not User.objects.exists()


def test_the_same_signup_twice_creates_one_account(
    client, django_capture_on_commit_callbacks
):
    _signup(client, django_capture_on_commit_callbacks)
    client.logout()
    _signup(client, django_capture_on_commit_callbacks)
    assert User.objects.count() == 1
    assert Member.objects.count() == 1


def test_unverified_email_cannot_sign_in(
    client, unverified_user, django_capture_on_commit_callbacks
):
    """Mandatory verification: sign-in resends the link and does not log in."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"),
            {"login": unverified_user.email, "password": PASSWORD},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("members:directory")).status_code == 302
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1


def test_verified_pending_member_signs_in_to_the_awaiting_approval_page(
    client, pending_member
):
    response = client.post(
        reverse("account_login"),
        {"login": pending_member.user.email, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("members:pending")
    assert "Awaiting approval by the co-leads" in response.content.decode()


def test_sign_in_gives_a_new_session_key(client, resident):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    client.post(
        reverse("account_login"), {"login": resident.user.email, "password": PASSWORD}
    )
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(resident.user.pk)


TOO_MANY = "Too many failed login attempts"


def _try_login(client, email, password, **headers):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, **headers
    )


def test_failed_sign_ins_are_rate_limited(client, resident):
    """After five wrong passwords for one address, even the right one is refused."""
    for _ in range(5):
        page = _try_login(client, resident.user.email, "wrong-password-here")
        assert TOO_MANY not in page.content.decode()
    response = _try_login(client, resident.user.email, PASSWORD)
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_rate_limit_ignores_a_rotated_forwarded_for_header(client, resident):
    """Ten failures from one address are the limit, whatever X-Forwarded-For says."""
    for i in range(10):
        _try_login(
            client,
            f"nobody{i}@example.org",
            "wrong-password-here",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    response = _try_login(
        client,
        resident.user.email,
        PASSWORD,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post(client, resident):
    client.force_login(resident.user)
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200  # a confirmation page, still signed in
    assert client.get(reverse("members:directory")).status_code == 200
    client.post(reverse("account_logout"))
    # Signed out: member pages ask to sign in (`/` is the public front door).
    assert client.get(reverse("members:directory")).status_code == 302


def test_password_reset_emails_a_link(
    client, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_reset_password"), {"email": resident.user.email}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    # Transactional mail carries no bulk-mail unsubscribe headers.
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_logged_out_visit_to_a_member_page_goes_to_sign_in_with_next(client):
    response = client.get(reverse("members:join_requests"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/members/join-requests/"
