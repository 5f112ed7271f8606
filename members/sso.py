"""Institution sign-in (OpenID Connect and SAML 2.0 through django-allauth's
social accounts; the providers are built from the environment in
imgportal/sso_config.py).

- A first sign-in makes a member: pending like a sign-up, or an approved
  resident when the address is on SSO_APPROVE_DOMAINS.
- An address the IdP vouches for (its `email_verified`, or a domain on
  SSO_EMAIL_DOMAINS / SSO_APPROVE_DOMAINS) links to the member who already has
  it; an unverified address that belongs to someone is refused, never merged.
- The IdP's word that a second factor was used (OIDC `amr`/`acr`, SAML
  AuthnContextClassRef, as configured) stands in for the portal's own TOTP step
  and TOTP set-up for co-leads and GME staff, for that session only.
- Whatever goes wrong between the portal and the IdP (wrong issuer or audience,
  an expired, unsigned or replayed assertion, an IdP that does not answer) ends
  on the refusal page with a log line: never a session, never a 500.
"""

from __future__ import annotations

import logging
import re

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse, ReauthenticationRequired
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.shortcuts import render

from imgportal.logs import mask_emails
from imgportal.sso_config import SAML_PROVIDER_ID, idp_origins
from members.models import User
from members.services import member_create_from_institution

logger = logging.getLogger("imgportal.sso")

# The user whose current session was opened with the IdP's second factor.
IDP_MFA_SESSION_KEY = "sso_idp_mfa_user"
REFUSAL_TEMPLATE = "socialaccount/authentication_error.html"
SIGN_IN_PATHS = ("/accounts/oidc/", "/accounts/saml/")


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower() if "@" in email else ""


def domain_trusted(email: str) -> bool:
    """An address on a domain the institution owns: the IdP's word is enough."""
    domain = email_domain(email)
    return bool(domain) and domain in {
        *settings.SSO_EMAIL_DOMAINS,
        *settings.SSO_APPROVE_DOMAINS,
    }


def idp_asserted_mfa(sociallogin) -> bool:
    """Did the IdP say this sign-in used a second factor (as configured)?"""
    data = sociallogin.account.extra_data or {}
    if sociallogin.account.provider == SAML_PROVIDER_ID:
        contexts = set(data.get("authn_contexts") or [])
        return bool(contexts & set(settings.SSO_MFA_SAML_CONTEXTS))
    claims = data.get("id_token") or {}
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    acr = claims.get("acr")
    return bool(set(amr) & set(settings.SSO_MFA_AMR)) or (
        bool(acr) and acr in settings.SSO_MFA_ACR
    )


def _normalise_verified(sociallogin) -> None:
    """Only a real `true` (or the institution's domain) counts as the IdP's
    word: allauth copies `email_verified` as given, and a string "false" is
    truthy."""
    for address in sociallogin.email_addresses:
        claimed = address.verified
        address.verified = (
            claimed is True
            or (isinstance(claimed, str) and claimed.strip().lower() == "true")
            or domain_trusted(address.email or "")
        )


def session_has_idp_mfa(request) -> bool:
    user = getattr(request, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and request.session.get(IDP_MFA_SESSION_KEY) == user.pk
    )


def refusal(request, *, provider_name: str = "", reason: str, status: int = 400):
    """The refusal page: what happened in plain words, nothing signed in."""
    response = render(
        request,
        REFUSAL_TEMPLATE,
        {"provider_name": provider_name, "refusal_reason": reason, "auth_error": None},
        status=status,
    )
    return response


JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.?[\w-]*")


def _log_refusal(provider: str, code: str, detail: str = "") -> None:
    # The detail is the library's reason (issuer, audience, expiry…); a token
    # endpoint's answer may be quoted in it, so tokens and addresses are masked.
    reason = mask_emails(JWT.sub("[token]", detail))[:300]
    logger.warning(
        "institution sign-in refused",
        extra={"provider": provider, "error": code, "reason": reason},
    )


class PortalSAMLProvider(SAMLProvider):
    """allauth's SAML provider, also keeping the assertion's
    AuthnContextClassRef values (how the person authenticated)."""

    # allauth finds a provider's URLs in its package: still allauth's views.
    package = "allauth.socialaccount.providers.saml"

    def extract_extra_data(self, data):
        extra = dict(data.get_attributes())
        extra["authn_contexts"] = list(data.get_last_authn_contexts() or [])
        return extra


class PortalAuthenticateStage(AuthenticateStage):
    """allauth's TOTP step at sign-in, skipped when the IdP asserted MFA for
    this very sign-in (then remembered for the session, see the middleware)."""

    def handle(self):
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if sociallogin is not None and idp_asserted_mfa(sociallogin):
            self.request.session[IDP_MFA_SESSION_KEY] = self.login.user.pk
            return None, True
        self.request.session.pop(IDP_MFA_SESSION_KEY, None)
        return super().handle()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        # The institution's sign-in is how people join, also when password
        # sign-up is off; what they get is a pending (or approved) member.
        return True

    def is_email_verified(self, provider, email: str) -> bool:
        return domain_trusted(email) or super().is_email_verified(provider, email)

    def authenticate_by_email(self, sociallogin):
        """Link to an existing account only through an address both sides
        vouch for: the IdP (a real `email_verified: true`, or the institution's
        domain) and the portal (that account's own copy confirmed). allauth's
        default links to any account holding the address, confirmed or not, so a
        member who added a newcomer's address to their own account, unconfirmed,
        would receive the newcomer's sign-in."""
        _normalise_verified(sociallogin)
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(
                sociallogin, address.email
            ):
                continue
            local = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True)
                .select_related("user")
                .first()
            )
            if local is not None:
                return local.user, address.email
        return None

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.is_existing:
            return
        _normalise_verified(sociallogin)
        addresses = [a for a in sociallogin.email_addresses if a.email]
        vouched = [a for a in addresses if a.verified]
        taken = [
            a
            for a in addresses
            if EmailAddress.objects.filter(email__iexact=a.email).exists()
            or User.objects.filter(email__iexact=a.email).exists()
        ]
        if not vouched:
            # An IdP account may claim any address: a portal account made from
            # an unconfirmed one would be someone else's to take later.
            reason = (
                "Your institution's sign-in did not confirm your email address, so "
                "the portal cannot make or find your account with it. Ask the "
                "co-leads to check the institution's settings, or join with the "
                "sign-up form."
            )
            code = "email_not_verified"
        elif taken:
            # The address is on an account whose own copy was never confirmed
            # (or a different account holds it): never joined silently.
            reason = (
                "A portal account already uses this email address but has not "
                "confirmed it, so your institution's sign-in was not joined to it. "
                "Confirm the address from the portal's email (or sign in with your "
                "password), or ask the co-leads."
            )
            code = "email_taken_unconfirmed"
        else:
            return
        _log_refusal(sociallogin.account.provider, code)
        raise ImmediateHttpResponse(
            refusal(
                request,
                provider_name=sociallogin.provider.name,
                reason=reason,
                status=403,
            )
        )

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        email = user.email or ""
        verified = EmailAddress.objects.filter(
            user=user, email__iexact=email, verified=True
        ).exists()
        member_create_from_institution(
            user=user,
            approve=verified and email_domain(email) in settings.SSO_APPROVE_DOMAINS,
        )
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        if extra_context is None:
            extra_context = {}
        detail = extra_context.get("saml_last_error_reason") or (
            type(exception).__name__ if exception else ""
        )
        if exception is not None and str(exception):
            detail = f"{detail}: {exception}"
        cause = getattr(exception, "__cause__", None)
        if cause is not None:
            # e.g. "Invalid id_token" caused by PyJWT's "Invalid issuer".
            detail = f"{detail} ({type(cause).__name__}: {cause})"
        _log_refusal(getattr(provider, "sub_id", "unknown"), str(error), str(detail))
        # The refusal page's words (allauth renders it with this same dict).
        extra_context.setdefault("provider_name", getattr(provider, "name", ""))
        extra_context.setdefault("refusal_reason", "")


ORIGIN_CACHE_SECONDS = 3600


def sign_in_origins() -> list[str]:
    """Where the sign-in buttons lead: the configured origins, plus where the
    OIDC discovery document (`authorization_endpoint`) or the SAML metadata
    (SingleSignOnService) says the IdP's sign-in page is, cached for an hour."""
    providers = settings.SOCIALACCOUNT_PROVIDERS
    origins = idp_origins(providers)
    for kind, url, entity_id in _discovery_sources(providers):
        found = _discovered_origin(kind, url, entity_id)
        if found and found not in origins:
            origins.append(found)
    return origins


def _discovery_sources(providers: dict):
    for app in providers.get("openid_connect", {}).get("APPS", []):
        yield "oidc", app["settings"]["server_url"], ""
    for app in providers.get("saml", {}).get("APPS", []):
        idp = app["settings"]["idp"]
        if idp.get("metadata_url"):
            yield "saml", idp["metadata_url"], idp.get("entity_id", "")


def _discovered_origin(kind: str, url: str, entity_id: str) -> str:
    import hashlib

    from django.core.cache import cache

    key = (
        "sso-origin:" + hashlib.sha256(f"{kind} {url} {entity_id}".encode()).hexdigest()
    )
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 — Redis down: the configured origins only
        return ""
    if cached is not None:
        return cached
    try:
        origin = _fetch_origin(kind, url, entity_id)
        timeout = ORIGIN_CACHE_SECONDS
    except Exception as error:  # noqa: BLE001 — an IdP that does not answer
        _log_refusal(kind, "discovery_failed", f"{type(error).__name__}: {error}")
        origin, timeout = "", 60
    try:
        cache.set(key, origin, timeout)
    except Exception:  # noqa: BLE001, S110 — uncached, asked again next time
        pass
    return origin


def _fetch_origin(kind: str, url: str, entity_id: str) -> str:
    from urllib.parse import urlsplit

    import requests

    if kind == "oidc":
        document = requests.get(
            url.rstrip("/") + "/.well-known/openid-configuration", timeout=3
        )
        document.raise_for_status()
        target = document.json()["authorization_endpoint"]
    else:
        from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

        data = OneLogin_Saml2_IdPMetadataParser.parse_remote(
            url, timeout=3, entity_id=entity_id or None
        )
        target = data["idp"]["singleSignOnService"]["url"]
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


PASS_THROUGH = (
    Http404,
    ImmediateHttpResponse,
    ReauthenticationRequired,
    SuspiciousOperation,
)


class InstitutionSignInMiddleware:
    """The account pages' CSP lets their forms lead to the configured IdPs (the
    sign-in button's POST is answered with a redirect there).

    What allauth's sign-in views raise instead of answering (an IdP that does
    not answer, a replayed or unrequested SAML response, a bad metadata
    address) becomes the refusal page and a log line, not a 403/500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/accounts/"):
            origins = sign_in_origins()
            if origins:
                response._csp_update = {"form-action": origins}
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith(SIGN_IN_PATHS) or isinstance(
            exception, PASS_THROUGH
        ):
            # A provider that is not configured (404), allauth's own flow
            # control, Django's 400s: handled where they always are.
            return None
        if isinstance(exception, PermissionDenied):
            code, status = "no_matching_request", 403
            reason = (
                "This answer from your institution's sign-in was already used, or "
                "it does not belong to a sign-in started in this browser."
            )
        else:
            code, status = type(exception).__name__, 502
            reason = "Your institution's sign-in service could not be reached or " + (
                "answered in a way the portal cannot use."
            )
        if isinstance(exception, PermissionDenied | OSError) or _is_requests(exception):
            _log_refusal(_provider_from_path(request.path), code, str(exception))
        else:
            logger.error(
                "institution sign-in failed",
                exc_info=exception,
                extra={"provider": _provider_from_path(request.path)},
            )
        return refusal(request, reason=reason, status=status)


def _is_requests(exception: BaseException) -> bool:
    import requests

    return isinstance(exception, requests.RequestException)


def _provider_from_path(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "-".join(parts[1:3]) if len(parts) >= 3 else "unknown"


def check_sign_in(app_configs=None, **kwargs):
    """`manage.py check`: with password sign-in off, some IdP must be set up,
    or nobody could sign in at all."""
    from django.core.checks import Error

    from imgportal.sso_config import provider_names

    if not settings.PASSWORD_SIGNIN and not provider_names(
        settings.SOCIALACCOUNT_PROVIDERS
    ):
        return [
            Error(
                "PASSWORD_SIGNIN is off but no institution sign-in is configured, "
                "so nobody could sign in.",
                hint="Set OIDC_ISSUER and OIDC_CLIENT_ID, or the SAML_IDP_* "
                "variables, or turn PASSWORD_SIGNIN back on.",
                id="members.E001",
            )
        ]
    return []
