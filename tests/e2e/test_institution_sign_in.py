"""Signing in with the institution's account in a real browser: Chromium, the
portal's live server, and real identity providers in their own processes
(oidc-provider for OpenID Connect, pysaml2 for SAML 2.0)."""

import re

import pytest
from playwright.sync_api import expect

from members.models import Member, Role
from tests.e2e.conftest import new_page
from tests.factories import MemberFactory, give_totp
from tests.identity_providers import OwnOIDCProvider, OwnSAMLIdP, use_providers

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _sign_in_at_idp(page, email: str, *, mfa: bool = False) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("sign-in")
    page.get_by_role("textbox", name=re.compile("email", re.I)).fill(email)
    if mfa:
        page.get_by_label("I used a second factor").check()
    page.get_by_role("button", name="Continue to the portal").click()


def test_resident_joins_through_openid_connect(browser, live_server, settings):
    idp = OwnOIDCProvider(
        f"{live_server.url}/accounts/oidc/institution/login/callback/"
    )
    try:
        use_providers(settings, oidc=idp.portal_config(name="Riverside Health"))
        context, page = new_page(browser, live_server)
        page.goto("/accounts/login/")
        page.get_by_role("button", name="Sign in with Riverside Health").click()
        _sign_in_at_idp(page, "amara.okafor@riverside.edu")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Awaiting approval by the co-leads"
        )
        member = Member.objects.get(user__email="amara.okafor@riverside.edu")
        assert member.status == Member.Status.PENDING
        # Signed out and back in: the same member, straight to the waiting page.
        page.get_by_role("button", name="Account").click()
        page.get_by_role("button", name="Sign out").click()
        page.goto("/accounts/login/")
        page.get_by_role("button", name="Sign in with Riverside Health").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Awaiting approval by the co-leads"
        )
        assert Member.objects.count() == 1
        context.close()
    finally:
        idp.stop()


@pytest.fixture
def saml_co_lead(browser, live_server, settings):
    """A SAML IdP, a co-lead with TOTP, and a browser on the sign-in page that
    has pressed "Sign in with Riverside University"."""
    idp = OwnSAMLIdP(live_server.url)
    try:
        use_providers(settings, saml=idp.portal_config(name="Riverside University"))
        settings.SSO_EMAIL_DOMAINS = ["univ.example"]
        co_lead = MemberFactory(
            user__email="lead@univ.example", roles=[Role.RESIDENT, Role.CO_LEAD]
        )
        give_totp(co_lead.user)
        context, page = new_page(browser, live_server)
        page.goto("/accounts/login/")
        page.get_by_role("button", name="Sign in with Riverside University").click()
        yield page
        context.close()
    finally:
        idp.stop()


def test_co_lead_signs_in_through_saml_with_the_idps_second_factor(
    saml_co_lead, live_server
):
    page = saml_co_lead
    _sign_in_at_idp(page, "lead@univ.example", mfa=True)
    # No portal code asked: the IdP's second factor counts.
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign In")
    page.goto("/members/manage/")
    expect(page).to_have_url(f"{live_server.url}/members/manage/")


def test_saml_without_the_second_factor_asks_for_the_portal_code(saml_co_lead):
    _sign_in_at_idp(saml_co_lead, "lead@univ.example", mfa=False)
    expect(saml_co_lead.get_by_label("Code")).to_be_visible()
