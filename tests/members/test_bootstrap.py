"""`manage.py bootstrap`: the first co-lead of a new portal, and its refusals."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from members.models import CoLeadTerm, Member, Role, User
from tests.factories import MemberFactory

NEW_PASSWORD = "a-long-new-password-for-the-co-lead-7"


def bootstrap(*extra, email="Ada.Okafor@Hospital.example"):
    out = StringIO()
    call_command(
        "bootstrap",
        "--email",
        email,
        "--first-name",
        "Ada",
        "--last-name",
        "Okafor",
        *extra,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.django_db
def test_makes_a_co_lead_who_sets_a_password_and_must_set_up_2fa():
    output = bootstrap()
    member = Member.objects.get(user__email="ada.okafor@hospital.example")
    assert member.status == Member.Status.ACTIVE
    assert set(member.user.groups.values_list("name", flat=True)) == {
        Role.RESIDENT,
        Role.CO_LEAD,
    }
    term = CoLeadTerm.objects.get(member=member)
    assert term.end is None
    assert list(Member.objects.co_leads()) == [member]
    assert "Next steps" in output
    assert "two-factor" in output

    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", output)
    assert link, output
    client = Client()
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link[1]
    response = client.post(
        form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("account_login"),
        {"login": "ada.okafor@hospital.example", "password": NEW_PASSWORD},
    )
    # Signed in, the first page with member data sends the co-lead to set up TOTP.
    response = client.get(reverse("members:manage"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_refuses_a_second_co_lead_unless_forced():
    bootstrap()
    with pytest.raises(CommandError, match="already has a co-lead"):
        bootstrap(email="second@hospital.example")
    assert not User.objects.filter(email="second@hospital.example").exists()
    bootstrap("--force", email="second@hospital.example")
    assert Member.objects.co_leads().count() == 2


@pytest.mark.django_db
def test_running_it_again_for_an_existing_member_promotes_without_duplicating():
    existing = MemberFactory(user__email="ada.okafor@hospital.example")
    bootstrap()
    assert User.objects.filter(email__iexact="ada.okafor@hospital.example").count() == 1
    existing.refresh_from_db()
    assert Member.objects.co_leads().get() == existing
    # A second run with --force keeps one open term.
    bootstrap("--force")
    assert CoLeadTerm.objects.filter(member=existing, end=None).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["not-an-email", "", "ada@", "a b@hospital.org"])
def test_a_malformed_email_is_a_clear_error(email):
    with pytest.raises(CommandError, match="not a valid email address"):
        bootstrap(email=email)
    assert not Member.objects.exists()
