"""Institution sign-in (issue #18 item 1) against real identity providers in
their own processes: panva's oidc-provider and pysaml2's IdP. The portal side
is Django's test client; the IdP side is driven over HTTP as a browser would."""

import base64
import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Group

from members.models import Member, Role, User
from notifications.models import OutboundEmail
from tests.factories import MemberFactory, give_totp
from tests.identity_providers import OwnOIDCProvider, OwnSAMLIdP, use_providers

pytestmark = pytest.mark.django_db

PORTAL = "http://localhost"
CALLBACK = f"{PORTAL}/accounts/oidc/institution/login/callback/"
SESSION_USER = "_auth_user_id"


@pytest.fixture
def client(client):
    # python3-saml refuses single-label hosts such as "testserver".
    client.defaults["HTTP_HOST"] = "localhost"
    return client


@pytest.fixture(scope="module")
def oidc_idp():
    idp = OwnOIDCProvider(CALLBACK)
    yield idp
    idp.stop()


@pytest.fixture(scope="module")
def saml_idp():
    idp = OwnSAMLIdP(PORTAL)
    yield idp
    idp.stop()


@pytest.fixture
def oidc(settings, oidc_idp):
    use_providers(settings, oidc=oidc_idp.portal_config())
    return oidc_idp


@pytest.fixture
def saml(settings, saml_idp):
    use_providers(settings, saml=saml_idp.portal_config())
    return saml_idp


def oidc_sign_in(client, idp, email, *, mfa=False, verified=True, **names):
    """Button → the IdP's sign-in page → back to the portal's callback."""
    response = client.post("/accounts/oidc/institution/login/", {"process": "login"})
    assert response.status_code == 302, response.content[:500]
    browser = requests.Session()
    url = response["Location"]
    assert url.startswith(idp.url)
    assert "code_challenge_method=S256" in url  # PKCE
    while url.startswith(idp.url):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.status_code == 200:
            action = re.search(r'action="([^"]+)"', answer.text).group(1)
            form = {"email": email, **names}
            if mfa:
                form["mfa"] = "on"
            if verified:
                form["email_verified"] = "on"
            answer = browser.post(
                urljoin(url, action), data=form, allow_redirects=False, timeout=10
            )
        assert answer.status_code in (302, 303), answer.text[:500]
        url = urljoin(url, answer.headers["Location"])
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", follow=True)


def saml_answer(client, idp, email, *, mfa=False, **names) -> dict:
    """Button → the IdP's form → the signed Response it would POST back."""
    response = client.post("/accounts/saml/institution/login/", {"process": "login"})
    assert response.status_code == 302, response.content[:500]
    query = parse_qs(urlsplit(response["Location"]).query)
    form = {
        "SAMLRequest": query["SAMLRequest"][0],
        "RelayState": query.get("RelayState", [""])[0],
        "email": email,
        **names,
    }
    if mfa:
        form["mfa"] = "on"
    answer = requests.post(f"{idp.url}/sso/login", data=form, timeout=10)
    assert answer.status_code == 200, answer.text[:500]
    fields = dict(
        re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', answer.text)
    )
    return {name: html.unescape(value) for name, value in fields.items()}


def saml_post(client, fields: dict):
    return client.post("/accounts/saml/institution/acs/", fields, follow=True)


def saml_sign_in(client, idp, email, **kwargs):
    return saml_post(client, saml_answer(client, idp, email, **kwargs))


def signed_in(client) -> bool:
    return SESSION_USER in client.session


def assert_refused(response, caplog):
    assert response.status_code in (400, 401, 403, 502), response.status_code
    assert b"Sign-in refused" in response.content
    assert b"You are not signed in" in response.content
    assert any(r.message == "institution sign-in refused" for r in caplog.records)
    reasons = " ".join(getattr(r, "reason", "") for r in caplog.records)
    caplog.clear()  # the next refusal in the same test needs its own line
    return reasons


# --- First sign-in, linking, the second time -------------------------------


@pytest.mark.usefixtures("reference_data")
def test_first_oidc_sign_in_asks_to_join(client, oidc):
    response = oidc_sign_in(
        client,
        oidc,
        "amara.okafor@riverside.edu",
        given_name="Amara",
        family_name="Okafor",
    )
    assert signed_in(client)
    assert response.redirect_chain[-1][0] == "/members/pending/"
    member = Member.objects.get(user__email="amara.okafor@riverside.edu")
    assert member.status == Member.Status.PENDING
    assert (member.user.first_name, member.user.last_name) == ("Amara", "Okafor")
    assert not member.user.groups.exists()
    assert SocialAccount.objects.get(user=member.user).provider == "institution"
    # The portal itself keeps no IdP secret and no token.
    assert not member.user.has_usable_password()


@pytest.mark.usefixtures("reference_data")
def test_second_sign_in_is_the_same_member(client, oidc):
    oidc_sign_in(client, oidc, "amara.okafor@riverside.edu")
    client.post("/accounts/logout/")
    assert not signed_in(client)
    oidc_sign_in(client, oidc, "amara.okafor@riverside.edu")
    assert signed_in(client)
    assert User.objects.filter(email__iexact="amara.okafor@riverside.edu").count() == 1
    assert Member.objects.count() == 1
    assert SocialAccount.objects.count() == 1


@pytest.mark.usefixtures("reference_data")
def test_approved_domain_makes_an_approved_resident(client, oidc, settings):
    settings.SSO_APPROVE_DOMAINS = ["riverside.edu"]
    response = oidc_sign_in(client, oidc, "li.wei@riverside.edu")
    member = Member.objects.get(user__email="li.wei@riverside.edu")
    assert member.status == Member.Status.ACTIVE
    assert member.approved_by is None
    assert list(member.user.groups.values_list("name", flat=True)) == [Role.RESIDENT]
    assert response.redirect_chain[-1][0] == "/"
    assert OutboundEmail.objects.filter(to="li.wei@riverside.edu").exists()


@pytest.mark.usefixtures("reference_data")
def test_approved_domain_needs_the_address_verified(client, oidc, settings, caplog):
    """An unverified address on another domain never becomes a member at all."""
    settings.SSO_APPROVE_DOMAINS = ["riverside.edu"]
    response = oidc_sign_in(client, oidc, "someone@elsewhere.example", verified=False)
    assert_refused(response, caplog)
    assert not Member.objects.exists()


@pytest.mark.usefixtures("reference_data")
def test_existing_member_with_verified_email_is_linked(client, oidc):
    existing = MemberFactory(user__email="priya.nair@riverside.edu")
    oidc_sign_in(client, oidc, "Priya.Nair@riverside.edu")
    assert signed_in(client)
    assert int(client.session[SESSION_USER]) == existing.user.pk
    assert User.objects.count() == 1
    assert SocialAccount.objects.get().user == existing.user
    existing.refresh_from_db()
    assert existing.status == Member.Status.ACTIVE
    response = client.get("/")
    assert response.status_code == 200


@pytest.mark.usefixtures("reference_data")
def test_unverified_email_of_a_member_is_refused_not_merged(client, oidc, caplog):
    existing = MemberFactory(user__email="priya.nair@elsewhere.example")
    response = oidc_sign_in(
        client, oidc, "priya.nair@elsewhere.example", verified=False
    )
    assert_refused(response, caplog)
    assert b"did not confirm your email address" in response.content
    assert not signed_in(client)
    assert not SocialAccount.objects.exists()
    assert User.objects.get() == existing.user


@pytest.mark.usefixtures("reference_data")
def test_institution_domain_counts_as_verified(client, oidc, settings):
    """Entra ID and SAML IdPs often say nothing of verification: an address on
    the institution's own domain is the institution's word."""
    settings.SSO_EMAIL_DOMAINS = ["riverside.edu"]
    existing = MemberFactory(user__email="omar.haddad@riverside.edu")
    oidc_sign_in(client, oidc, "omar.haddad@riverside.edu", verified=False)
    assert int(client.session[SESSION_USER]) == existing.user.pk
    assert EmailAddress.objects.get(user=existing.user).verified


@pytest.mark.usefixtures("reference_data")
def test_unverified_new_address_is_refused(client, oidc, caplog):
    """An IdP account may claim any address: no portal account is made of it."""
    response = oidc_sign_in(
        client, oidc, "new.person@elsewhere.example", verified=False
    )
    assert_refused(response, caplog)
    assert b"did not confirm your email address" in response.content
    assert not User.objects.exists() and not SocialAccount.objects.exists()


@pytest.mark.usefixtures("reference_data")
def test_email_verified_as_the_string_false_is_not_verified(client, oidc, caplog):
    from allauth.account.models import EmailAddress as Address
    from allauth.socialaccount.models import SocialLogin

    from members.sso import _normalise_verified

    login = SocialLogin(
        email_addresses=[
            Address(email="a@elsewhere.example", verified="false"),
            Address(email="b@elsewhere.example", verified="true"),
            Address(email="c@elsewhere.example", verified=True),
        ]
    )
    _normalise_verified(login)
    assert [a.verified for a in login.email_addresses] == [False, True, True]


@pytest.mark.usefixtures("reference_data")
def test_unconfirmed_address_on_another_account_is_not_a_way_in(client, oidc, caplog):
    """A member adds a newcomer's address to their own account and never
    confirms it: the newcomer's first sign-in must not land in that account."""
    mallory = MemberFactory(user__email="mallory@elsewhere.example")
    EmailAddress.objects.create(
        user=mallory.user, email="newbie@riverside.edu", verified=False, primary=False
    )
    response = oidc_sign_in(client, oidc, "newbie@riverside.edu")
    assert_refused(response, caplog)
    assert b"has not confirmed it" in response.content
    assert not signed_in(client)
    assert not SocialAccount.objects.exists()
    mallory.user.refresh_from_db()
    assert mallory.user.has_usable_password()


# --- Staff two-factor ---------------------------------------------------------


def _co_lead_with_totp(email: str):
    co_lead = MemberFactory(user__email=email, roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)
    return co_lead


@pytest.mark.usefixtures("reference_data")
def test_co_lead_still_gives_the_portal_code_without_idp_mfa(client, oidc):
    _co_lead_with_totp("co.lead@riverside.edu")
    response = oidc_sign_in(client, oidc, "co.lead@riverside.edu", mfa=False)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/authenticate/"
    assert not signed_in(client)


@pytest.mark.usefixtures("reference_data")
def test_idp_mfa_stands_in_for_the_portal_code(client, oidc):
    co_lead = _co_lead_with_totp("co.lead@riverside.edu")
    oidc_sign_in(client, oidc, "co.lead@riverside.edu", mfa=True)
    assert int(client.session[SESSION_USER]) == co_lead.user.pk
    response = client.get("/members/manage/")
    assert response.status_code == 200


@pytest.mark.usefixtures("reference_data")
def test_an_institution_only_account_gives_its_code_to_turn_two_factor_off(
    client, oidc
):
    """No password to ask for: turning TOTP off still asks for a current code
    (allauth's reauthentication), even in a session the IdP's MFA opened."""
    from allauth.mfa.models import Authenticator

    co_lead = _co_lead_with_totp("co.lead@riverside.edu")
    co_lead.user.set_unusable_password()
    co_lead.user.save()
    oidc_sign_in(client, oidc, "co.lead@riverside.edu", mfa=True)
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert Authenticator.objects.filter(user=co_lead.user).exists()


@pytest.mark.usefixtures("reference_data")
def test_idp_mfa_spares_gme_staff_the_totp_set_up_for_that_session(client, oidc):
    staff = MemberFactory(
        user__email="gme@riverside.edu",
        roles=[Role.GME_STAFF],
        visa_status="",
        training_stage="",
    )
    oidc_sign_in(client, oidc, "gme@riverside.edu", mfa=True)
    assert client.get("/members/manage/").status_code == 200
    # Signed in another way (without the IdP's factor), set-up is required again.
    client.post("/accounts/logout/")
    oidc_sign_in(client, oidc, "gme@riverside.edu", mfa=False)
    assert int(client.session[SESSION_USER]) == staff.user.pk
    response = client.get("/members/manage/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.usefixtures("reference_data")
def test_idp_mfa_not_trusted_when_not_configured(client, oidc, settings):
    settings.SSO_MFA_AMR = []
    settings.SSO_MFA_ACR = []
    _co_lead_with_totp("co.lead@riverside.edu")
    response = oidc_sign_in(client, oidc, "co.lead@riverside.edu", mfa=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/authenticate/"
    assert not signed_in(client)


@pytest.mark.usefixtures("reference_data")
def test_acr_value_can_stand_for_mfa(client, oidc, settings):
    settings.SSO_MFA_AMR = []
    settings.SSO_MFA_ACR = ["urn:test:mfa"]
    _co_lead_with_totp("co.lead@riverside.edu")
    oidc_sign_in(client, oidc, "co.lead@riverside.edu", mfa=True)
    assert signed_in(client)


# --- OIDC refusals ------------------------------------------------------------


@pytest.mark.usefixtures("reference_data")
def test_wrong_issuer_is_refused(client, settings, caplog):
    """The IdP at the configured address signs tokens as someone else."""
    idp = OwnOIDCProvider(CALLBACK, issuer="https://login.impostor.example")
    try:
        use_providers(settings, oidc=idp.portal_config())
        response = oidc_sign_in(client, idp, "amara.okafor@riverside.edu")
    finally:
        idp.stop()
    reasons = assert_refused(response, caplog)
    assert not signed_in(client)
    assert not User.objects.exists()
    assert "issuer" in reasons.lower(), reasons


@pytest.mark.usefixtures("reference_data")
def test_idp_that_does_not_answer_is_a_refusal_not_a_500(client, settings, caplog):
    idp = OwnOIDCProvider(CALLBACK)
    use_providers(settings, oidc=idp.portal_config())
    idp.stop()
    response = client.post("/accounts/oidc/institution/login/", {"process": "login"})
    assert_refused(response, caplog)
    assert response.status_code == 502


@pytest.mark.usefixtures("reference_data")
def test_forged_callback_is_refused(client, oidc, caplog):
    response = client.get(
        "/accounts/oidc/institution/login/callback/?code=forged&state=made-up"
    )
    assert_refused(response, caplog)
    assert not signed_in(client)


# --- SAML ---------------------------------------------------------------------


@pytest.mark.usefixtures("reference_data")
def test_first_saml_sign_in_asks_to_join(client, saml, settings):
    settings.SSO_EMAIL_DOMAINS = ["univ.example"]
    response = saml_sign_in(
        client,
        saml,
        "kwame.mensah@univ.example",
        given_name="Kwame",
        family_name="Mensah",
    )
    assert signed_in(client)
    assert response.redirect_chain[-1][0] == "/members/pending/"
    member = Member.objects.get(user__email="kwame.mensah@univ.example")
    assert member.status == Member.Status.PENDING
    assert member.user.get_full_name() == "Kwame Mensah"
    account = SocialAccount.objects.get(user=member.user)
    assert account.provider == "institution-saml"
    assert account.uid == "kwame.mensah@univ.example"  # eduPersonPrincipalName


@pytest.mark.usefixtures("reference_data")
def test_saml_links_an_existing_member_and_signs_in_again(client, saml, settings):
    settings.SSO_APPROVE_DOMAINS = ["univ.example"]
    existing = MemberFactory(user__email="kwame.mensah@univ.example")
    saml_sign_in(client, saml, "kwame.mensah@univ.example")
    assert int(client.session[SESSION_USER]) == existing.user.pk
    client.post("/accounts/logout/")
    saml_sign_in(client, saml, "kwame.mensah@univ.example")
    assert int(client.session[SESSION_USER]) == existing.user.pk
    assert User.objects.count() == 1 and SocialAccount.objects.count() == 1


@pytest.mark.usefixtures("reference_data")
def test_saml_mfa_context_stands_in_for_the_portal_code(client, saml, settings):
    settings.SSO_EMAIL_DOMAINS = ["univ.example"]
    co_lead = MemberFactory(
        user__email="lead@univ.example", roles=[Role.RESIDENT, Role.CO_LEAD]
    )
    give_totp(co_lead.user)
    response = saml_sign_in(client, saml, "lead@univ.example", mfa=False)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/authenticate/"
    assert not signed_in(client)
    client.cookies.clear()
    saml_sign_in(client, saml, "lead@univ.example", mfa=True)
    assert int(client.session[SESSION_USER]) == co_lead.user.pk
    assert client.get("/members/manage/").status_code == 200


@pytest.mark.usefixtures("reference_data")
def test_replayed_saml_response_is_refused(client, saml, settings, caplog):
    settings.SSO_EMAIL_DOMAINS = ["univ.example"]
    fields = saml_answer(client, saml, "kwame.mensah@univ.example")
    saml_post(client, fields)
    assert signed_in(client)
    client.post("/accounts/logout/")
    # The same browser, then another one (someone who captured the POST).
    response = saml_post(client, fields)
    assert_refused(response, caplog)
    assert not signed_in(client)
    client.cookies.clear()
    response = saml_post(client, fields)
    assert_refused(response, caplog)
    assert not signed_in(client)


def _refused_saml(client, settings, caplog, idp, **portal):
    settings.SSO_EMAIL_DOMAINS = ["univ.example"]
    try:
        use_providers(settings, saml=idp.portal_config(**portal))
        response = saml_sign_in(client, idp, "kwame.mensah@univ.example")
    finally:
        idp.stop()
    reasons = assert_refused(response, caplog)
    assert not signed_in(client)
    assert not User.objects.exists()
    return reasons


@pytest.mark.usefixtures("reference_data")
def test_saml_response_for_another_audience_is_refused(client, settings, caplog):
    idp = OwnSAMLIdP(PORTAL, audience="https://other-portal.example/saml")
    reason = _refused_saml(client, settings, caplog, idp)
    assert "audience" in reason.lower()


@pytest.mark.usefixtures("reference_data")
def test_expired_saml_assertion_is_refused(client, settings, caplog):
    idp = OwnSAMLIdP(PORTAL, lifetime_minutes=-30)
    reason = _refused_saml(client, settings, caplog, idp)
    assert "expired" in reason.lower() or "notonorafter" in reason.lower(), reason


@pytest.mark.usefixtures("reference_data")
def test_unsigned_saml_response_is_refused(client, settings, caplog):
    idp = OwnSAMLIdP(PORTAL, sign=False)
    reason = _refused_saml(client, settings, caplog, idp)
    assert "signature" in reason.lower() or "signed" in reason.lower(), reason


@pytest.mark.usefixtures("reference_data")
def test_saml_from_another_issuer_is_refused(client, settings, caplog):
    idp = OwnSAMLIdP(PORTAL)
    reason = _refused_saml(
        client, settings, caplog, idp, idp_entity_id="https://idp.other.example/idp"
    )
    assert "issuer" in reason.lower(), reason


@pytest.mark.usefixtures("reference_data")
def test_saml_signed_with_another_key_is_refused(client, settings, caplog):
    """The portal holds the real IdP's certificate; this IdP has its own key."""
    real, impostor = OwnSAMLIdP(PORTAL), OwnSAMLIdP(PORTAL)
    real.stop()
    reason = _refused_saml(
        client, settings, caplog, impostor, idp_cert=real.cert.read_text()
    )
    assert "signature" in reason.lower(), reason


@pytest.mark.usefixtures("reference_data")
def test_tampered_saml_response_is_refused(client, saml, settings, caplog):
    """Another address put into a signed assertion breaks its signature."""
    settings.SSO_EMAIL_DOMAINS = ["univ.example"]
    MemberFactory(
        user__email="co.lead@univ.example", roles=[Role.RESIDENT, Role.CO_LEAD]
    )
    fields = saml_answer(client, saml, "kwame.mensah@univ.example")
    xml = base64.b64decode(fields["SAMLResponse"]).replace(
        b"kwame.mensah@univ.example", b"co.lead@univ.example"
    )
    fields["SAMLResponse"] = base64.b64encode(xml).decode()
    response = saml_post(client, fields)
    assert_refused(response, caplog)
    assert not signed_in(client)


@pytest.mark.usefixtures("reference_data")
def test_garbage_at_the_acs_is_refused(client, saml, caplog):
    for body in ({"SAMLResponse": "not base64 %%%"}, {"SAMLResponse": ""}, {}):
        response = saml_post(client, body)
        assert response.status_code != 500
        assert b"Sign-in refused" in response.content
        assert not signed_in(client)


# --- Password sign-in off -----------------------------------------------------


@pytest.mark.usefixtures("reference_data")
def test_password_sign_in_off(client, oidc, settings):
    settings.PASSWORD_SIGNIN = False
    member = MemberFactory(user__email="amara.okafor@riverside.edu")
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Riverside Health" in page
    assert 'type="password"' not in page
    response = client.post(
        "/accounts/login/",
        {"login": member.user.email, "password": "correct-horse-battery-staple-9"},
    )
    assert not signed_in(client)
    assert "Password sign-in is turned off" in response.content.decode()
    response = client.post("/accounts/password/reset/", {"email": member.user.email})
    assert "Password sign-in is turned off" in response.content.decode()
    assert not OutboundEmail.objects.exists()
    signup = client.get("/accounts/signup/").content.decode()
    assert "Join with your institution's account" in signup
    assert 'type="password"' not in signup
    assert client.post("/accounts/signup/", {"email": "x@y.example"}).status_code != 500
    assert not User.objects.filter(email="x@y.example").exists()
    # The institution's sign-in still works, for old and new members.
    oidc_sign_in(client, oidc, member.user.email)
    assert int(client.session[SESSION_USER]) == member.user.pk


@pytest.mark.usefixtures("reference_data")
def test_sign_in_page_names_each_institution(client, settings, oidc_idp, saml_idp):
    use_providers(
        settings,
        oidc=oidc_idp.portal_config(name="Riverside Health"),
        saml=saml_idp.portal_config(name="Riverside University"),
    )
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Riverside Health" in page
    assert "Sign in with Riverside University" in page
    assert 'type="password"' in page  # password sign-in stays on by default
    use_providers(settings)
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page


@pytest.mark.usefixtures("reference_data")
def test_erasing_a_member_forgets_the_institution_link(client, oidc):
    from imgportal.personal_data import erase_all

    oidc_sign_in(client, oidc, "amara.okafor@riverside.edu")
    member = Member.objects.get()
    erase_all(member)
    assert not SocialAccount.objects.exists()
    client.post("/accounts/logout/")
    # Signing in again is a new join request, not the erased member.
    oidc_sign_in(client, oidc, "amara.okafor@riverside.edu")
    assert Member.objects.filter(status=Member.Status.PENDING).count() == 1
    assert Group.objects.filter(user__member=member).count() == 0


# --- Configuration, CSP, first run -------------------------------------------


def test_nothing_configured_means_no_provider():
    from imgportal.sso_config import provider_names, social_providers

    empty = social_providers(oidc={"name": "X"}, saml={"name": "Y"})
    assert provider_names(empty) == []


def test_saml_metadata_url_needs_the_entity_id_and_https():
    from django.core.exceptions import ImproperlyConfigured

    from imgportal.sso_config import social_providers

    url = "https://idp.univ.example/idp/shibboleth"
    with pytest.raises(ImproperlyConfigured, match="SAML_IDP_ENTITY_ID"):
        social_providers(oidc={}, saml={"idp_metadata_url": url})
    with pytest.raises(ImproperlyConfigured, match="https"):
        social_providers(
            oidc={},
            saml={
                "idp_metadata_url": "http://idp.univ.example/md",
                "idp_entity_id": url,
            },
        )
    providers = social_providers(
        oidc={}, saml={"idp_metadata_url": url, "idp_entity_id": url}
    )
    (app,) = providers["saml"]["APPS"]
    assert app["settings"]["idp"] == {"metadata_url": url, "entity_id": url}
    assert app["settings"]["advanced"]["want_assertion_signed"] is True


@pytest.mark.usefixtures("reference_data")
def test_saml_configured_from_the_idps_metadata(client, settings, saml_idp):
    """Only the metadata URL and entity id: the SSO URL and signing
    certificate come from the IdP's own metadata."""
    settings.SSO_EMAIL_DOMAINS = ["univ.example"]
    use_providers(
        settings,
        saml={
            "name": "Riverside University",
            "idp_metadata_url": f"{saml_idp.url}/metadata",
            "idp_entity_id": saml_idp.entity_id,
        },
    )
    assert client.get("/accounts/saml/institution/metadata/").status_code == 200
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert saml_idp.url in policy
    response = saml_sign_in(client, saml_idp, "kwame.mensah@univ.example")
    assert signed_in(client)
    assert response.redirect_chain[-1][0] == "/members/pending/"


@pytest.mark.usefixtures("reference_data")
def test_sign_in_page_lets_its_forms_lead_to_the_idps_only(
    client, settings, oidc_idp, saml_idp
):
    use_providers(
        settings, oidc=oidc_idp.portal_config(), saml=saml_idp.portal_config()
    )
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    form_action = next(p for p in policy.split(";") if "form-action" in p).split()
    assert form_action == ["form-action", "'self'", oidc_idp.url, saml_idp.url]
    # Other pages keep 'self' only.
    policy = client.get("/handbook/")["Content-Security-Policy"]
    assert oidc_idp.url not in policy


def test_password_sign_in_off_without_an_idp_fails_the_check(settings):
    from members.sso import check_sign_in

    settings.PASSWORD_SIGNIN = False
    use_providers(settings)
    assert [e.id for e in check_sign_in()] == ["members.E001"]
    settings.PASSWORD_SIGNIN = True
    assert check_sign_in() == []


@pytest.mark.usefixtures("reference_data")
def test_bootstrap_with_password_sign_in_off_then_the_co_lead_signs_in(
    client, oidc, settings
):
    from io import StringIO

    from django.core.management import call_command

    settings.PASSWORD_SIGNIN = False
    out = StringIO()
    call_command(
        "bootstrap",
        "--email",
        "ada@riverside.edu",
        "--first-name",
        "Ada",
        "--last-name",
        "Okafor",
        stdout=out,
    )
    output = out.getvalue()
    assert '"Sign in with Riverside Health"' in output
    assert "password/reset" not in output
    settings.SSO_EMAIL_DOMAINS = ["riverside.edu"]
    oidc_sign_in(client, oidc, "ada@riverside.edu", mfa=True)
    co_lead = Member.objects.get(user__email="ada@riverside.edu")
    assert int(client.session[SESSION_USER]) == co_lead.user.pk
    assert client.get("/members/manage/").status_code == 200


@pytest.mark.usefixtures("reference_data")
def test_closed_account_stays_closed(client, oidc):
    """A declined join request's account: the IdP's sign-in does not reopen it."""
    closed = MemberFactory(user__email="gone@riverside.edu", user__is_active=False)
    response = oidc_sign_in(client, oidc, "gone@riverside.edu")
    assert response.redirect_chain[-1][0] == "/accounts/inactive/"
    assert not signed_in(client)
    assert User.objects.get() == closed.user
    closed.user.refresh_from_db()
    assert not closed.user.is_active
