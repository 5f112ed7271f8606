"""Institution sign-in, configured from the environment: django-allauth's
`SOCIALACCOUNT_PROVIDERS` built from plain values (settings.py reads them; the
tests build the same dict for the identity providers they start).

No secret is ever stored in the database: allauth reads these apps from the
settings, and the admin does not offer SocialApp records (members/admin.py).

One OpenID Connect provider (Microsoft Entra ID, Okta, Google Workspace and any
other OIDC issuer) and one SAML 2.0 identity provider (Shibboleth, ADFS, …) may
be configured; each has its button on the sign-in page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# The provider ids in the URLs: /accounts/oidc/institution/login/ and
# /accounts/saml/institution/login/ (the redirect URI and ACS URL an IdP admin
# registers, docs in the README's "Institution sign-in").
OIDC_PROVIDER_ID = "institution"
SAML_ORGANIZATION = "institution"
# What a linked account records as its provider (SocialAccount.provider).
SAML_PROVIDER_ID = "institution-saml"

# SAML attribute names for what the portal needs, by the names Shibboleth
# (eduPerson / inetOrgPerson OIDs), ADFS / Entra (claim URIs) and plain IdPs use.
SAML_ATTRIBUTES = {
    "uid": [
        "urn:oasis:names:tc:SAML:attribute:subject-id",
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",  # eduPersonPrincipalName
        "eduPersonPrincipalName",
    ],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",  # mail
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "mail",
        "email",
    ],
    "email_verified": ["email_verified"],
    "first_name": [
        "urn:oid:2.5.4.42",  # givenName
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "givenName",
    ],
    "last_name": [
        "urn:oid:2.5.4.4",  # sn
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "sn",
    ],
}


def _secure_url(url: str) -> bool:
    """https, or plain http to this machine's loopback (the tests' IdPs)."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"}
    )


def social_providers(*, oidc: dict, saml: dict) -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS for the configured identity providers.

    `oidc`: name, issuer, client_id, client_secret.
    `saml`: name, and either idp_metadata_url or idp_entity_id + idp_sso_url +
    idp_cert (PEM, or its base64 body); sp_entity_id is optional.
    A provider without its required values is left out (not configured)."""
    providers: dict = {
        "saml": {"provider_class": "members.sso.PortalSAMLProvider", "APPS": []},
        "openid_connect": {"APPS": []},
    }
    if oidc.get("issuer") and oidc.get("client_id"):
        issuer = oidc["issuer"].rstrip("/")
        providers["openid_connect"]["APPS"].append(
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": oidc.get("name") or "your institution",
                "client_id": oidc["client_id"],
                "secret": oidc.get("client_secret", ""),
                "settings": {
                    "server_url": issuer,
                    # The ID token's `iss` must be the configured issuer, not
                    # whatever the discovery document says (OIDC Discovery §4.3).
                    "openid_configuration_overrides": {"issuer": issuer},
                    # PKCE (RFC 7636, S256): a stolen authorization code is
                    # useless without this browser's verifier.
                    "oauth_pkce_enabled": True,
                },
            }
        )
    metadata_url = saml.get("idp_metadata_url")
    entity_id = saml.get("idp_entity_id")
    if metadata_url and not entity_id:
        # A metadata file may describe a whole federation: which IdP is ours?
        raise ImproperlyConfigured(
            "SAML_IDP_METADATA_URL needs SAML_IDP_ENTITY_ID: the entity id of "
            "the institution's IdP in that metadata."
        )
    if metadata_url and not _secure_url(metadata_url):
        # The metadata carries the signing certificate and is not itself
        # signature-checked: fetched over plain http, anyone on the path
        # could swap the certificate.
        raise ImproperlyConfigured("SAML_IDP_METADATA_URL must be an https:// URL.")
    if metadata_url or (entity_id and saml.get("idp_sso_url")):
        idp = (
            {"metadata_url": metadata_url, "entity_id": entity_id}
            if metadata_url
            else {
                "entity_id": entity_id,
                "sso_url": saml["idp_sso_url"],
                "x509cert": saml.get("idp_cert", ""),
            }
        )
        app_settings: dict = {
            "attribute_mapping": SAML_ATTRIBUTES,
            "idp": idp,
            "advanced": {
                "strict": True,
                # Every assertion must carry the IdP's signature (an unsigned
                # one, or one under a signed envelope only, is refused).
                "want_assertion_signed": True,
                "reject_idp_initiated_sso": True,
            },
        }
        if saml.get("sp_entity_id"):
            app_settings["sp"] = {"entity_id": saml["sp_entity_id"]}
        providers["saml"]["APPS"].append(
            {
                "name": saml.get("name") or "your institution",
                "provider_id": SAML_PROVIDER_ID,
                "client_id": SAML_ORGANIZATION,
                "settings": app_settings,
            }
        )
    return providers


def idp_origins(providers: dict) -> list[str]:
    """The identity providers' configured origins (issuer, SSO or metadata
    URL), which the sign-in pages' CSP `form-action` must allow: the button's
    POST is answered with a redirect to the IdP, and browsers hold redirects
    after a form submission to it. members/sso.py adds where discovery or
    metadata says the sign-in page really is."""
    urls = [
        app["settings"]["server_url"]
        for app in providers.get("openid_connect", {}).get("APPS", [])
    ]
    for app in providers.get("saml", {}).get("APPS", []):
        idp = app["settings"]["idp"]
        urls.append(idp.get("sso_url") or idp.get("metadata_url") or "")
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def provider_names(providers: dict) -> list[str]:
    """The configured institutions' names, as their buttons say."""
    return [
        app["name"]
        for kind in ("openid_connect", "saml")
        for app in providers.get(kind, {}).get("APPS", [])
    ]
