"""A real SAML 2.0 identity provider (pysaml2's `Server`, signing with Debian's
xmlsec1) for the institution sign-in tests, in its own process on a loopback
port the test picks:

    python tests/idp/saml_idp.py '{"port": 5001, "key": "idp.key",
        "cert": "idp.crt", ...}'

GET /metadata is its metadata (entity id, SSO URL, signing certificate).
GET /sso takes the portal's AuthnRequest (HTTP-Redirect binding) and shows a
sign-in form; POST /sso/login answers with a signed Response (HTTP-POST binding)
carrying mail, givenName, sn and eduPersonPrincipalName, and, when "I used a
second factor" was ticked, the REFEDS MFA AuthnContextClassRef.

"portal_url" is where the portal answers (its SP metadata is built from it).
Test-only options make the misconfigured IdPs of the refusal tests: "audience"
(a Response meant for another SP), "lifetime_minutes" (negative: already
expired), "sign": false (no signature at all), "entity_id" (another issuer).
"""

from __future__ import annotations

import html
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

MFA = "https://refeds.org/profile/mfa"
PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

options = json.loads(sys.argv[1])
BASE = f"http://127.0.0.1:{options['port']}"
ENTITY_ID = options.get("entity_id") or f"{BASE}/idp"


def sp_metadata() -> str:
    """The portal as this IdP knows it (what an IdP admin registers): its
    entity id and ACS URL; a second SP for the wrong-audience option."""
    portal = options["portal_url"].rstrip("/")
    acs = f"{portal}/accounts/saml/institution/acs/"
    entities = [f"{portal}/accounts/saml/institution/metadata/"]
    if options.get("audience"):
        entities.append(options["audience"])
    descriptors = "".join(
        f'<md:EntityDescriptor entityID="{html.escape(entity)}">'
        "<md:SPSSODescriptor protocolSupportEnumeration="
        '"urn:oasis:names:tc:SAML:2.0:protocol">'
        "<md:AssertionConsumerService Binding="
        f'"{BINDING_HTTP_POST}" Location="{html.escape(acs)}" index="1"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>"
        for entity in entities
    )
    return (
        '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        f"{descriptors}</md:EntitiesDescriptor>"
    )


def make_server() -> Server:
    config = IdPConfig()
    config.load(
        {
            "entityid": ENTITY_ID,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [
                            (f"{BASE}/sso", BINDING_HTTP_REDIRECT)
                        ]
                    },
                    "policy": {
                        "default": {
                            "lifetime": {
                                "minutes": options.get("lifetime_minutes", 15)
                            },
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": False,
                }
            },
            "key_file": options["key"],
            "cert_file": options["cert"],
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "allow_unknown_attributes": True,
            "metadata": {"inline": [sp_metadata()]},
        }
    )
    return Server(config=config)


SERVER = make_server()


LOGIN_PAGE = """<!doctype html><html lang="en"><head><title>Test Shibboleth</title>
</head><body><main><h1>Test Shibboleth sign-in</h1>
<form method="post" action="/sso/login">
<input type="hidden" name="SAMLRequest" value="{request}">
<input type="hidden" name="RelayState" value="{relay}">
<p><label for="email">University email</label>
<input id="email" name="email" type="email" required></p>
<p><label for="given_name">Given name</label>
<input id="given_name" name="given_name"></p>
<p><label for="family_name">Surname</label>
<input id="family_name" name="family_name"></p>
<p><input id="mfa" name="mfa" type="checkbox">
<label for="mfa">I used a second factor</label></p>
<p><button type="submit">Continue to the portal</button></p>
</form></main></body></html>"""


def login_form(saml_request: str, relay_state: str) -> str:
    return LOGIN_PAGE.format(
        request=html.escape(saml_request), relay=html.escape(relay_state)
    )


def respond(form: dict[str, str]) -> str:
    request = SERVER.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT)
    message = request.message
    email = form["email"].strip().lower()
    identity = {
        "mail": [email],
        "eduPersonPrincipalName": [email],
        "givenName": [form.get("given_name") or ""],
        "sn": [form.get("family_name") or ""],
    }
    identity = {k: v for k, v in identity.items() if v != [""]}
    sign = options.get("sign", True)
    response = SERVER.create_authn_response(
        identity,
        in_response_to=message.id,
        destination=message.assertion_consumer_service_url,
        sp_entity_id=options.get("audience") or message.issuer.text,
        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"id-{email}"),
        authn={
            "class_ref": MFA if form.get("mfa") == "on" else PASSWORD,
            "authn_auth": ENTITY_ID,
        },
        sign_response=sign,
        sign_assertion=sign,
        sign_alg=options.get("sign_alg", SIG_RSA_SHA256),
        digest_alg=DIGEST_SHA256,
    )
    args = SERVER.apply_binding(
        BINDING_HTTP_POST,
        str(response),
        destination=message.assertion_consumer_service_url,
        relay_state=form.get("RelayState", ""),
        response=True,
    )
    return args["data"]


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/sso" and "SAMLRequest" in query:
            self._send(
                200, login_form(query["SAMLRequest"], query.get("RelayState", ""))
            )
        elif url.path == "/metadata":
            data = str(entity_descriptor(SERVER.config)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif url.path == "/ready":
            self._send(200, "ready")
        else:
            self._send(404, "not found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        fields = parse_qs(self.rfile.read(length).decode())
        form = {k: v[0] for k, v in fields.items()}
        if urlsplit(self.path).path != "/sso/login":
            self._send(404, "not found")
            return
        try:
            self._send(200, respond(form))
        except Exception as error:  # noqa: BLE001 — the test reads the reason
            self._send(400, f"IdP error: {html.escape(repr(error))}")

    def log_message(self, format, *args):
        sys.stderr.write(format % args + "\n")


if __name__ == "__main__":
    httpd = ThreadingHTTPServer(("127.0.0.1", options["port"]), Handler)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    httpd.serve_forever()
