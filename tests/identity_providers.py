"""Real identity providers for the institution sign-in tests, each in its own
process on a spare loopback port: panva's oidc-provider (Node, tests/idp/oidc.mjs,
installed by `make idp`) and pysaml2's IdP (tests/idp/saml_idp.py)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from imgportal.sso_config import social_providers
from tests.servers import free_port

IDP_DIR = Path(__file__).resolve().parent / "idp"
OIDC_CLIENT_ID = "img-portal"
OIDC_CLIENT_SECRET = "tests-only-oidc-client-secret-8d1f0c"


class _Process:
    """A server process started with `args`, ready when `ready_url` answers."""

    def __init__(self, args: list[str], ready_url: str, name: str) -> None:
        self.log = Path(tempfile.mkstemp(prefix=f"imgportal-{name}-", suffix=".log")[1])
        self.process = subprocess.Popen(
            args,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(ready_url, timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{name} did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class OwnOIDCProvider(_Process):
    """oidc-provider whose sign-in page takes any email. `issuer` may differ
    from where it listens (the wrong-issuer refusal)."""

    def __init__(self, redirect_uri: str, issuer: str | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = issuer or self.url
        node_modules = IDP_DIR / "node_modules" / "oidc-provider"
        if not node_modules.exists():
            raise RuntimeError("oidc-provider is missing: run `make idp`")
        options = {
            "port": self.port,
            "issuer": self.issuer,
            "client_id": OIDC_CLIENT_ID,
            "client_secret": OIDC_CLIENT_SECRET,
            "redirect_uri": redirect_uri,
        }
        super().__init__(
            ["node", str(IDP_DIR / "oidc.mjs"), json.dumps(options)],
            f"{self.url}/.well-known/openid-configuration",
            "oidc",
        )

    def portal_config(self, name: str = "Riverside Health") -> dict:
        return {
            "name": name,
            "issuer": self.url,
            "client_id": OIDC_CLIENT_ID,
            "client_secret": OIDC_CLIENT_SECRET,
        }


def signing_pair(directory: Path) -> tuple[Path, Path]:
    """A fresh RSA key and self-signed certificate for an IdP."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-idp.invalid")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / "idp.key", directory / "idp.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class OwnSAMLIdP(_Process):
    """pysaml2's IdP; `options` make it misbehave (see tests/idp/saml_idp.py)."""

    def __init__(self, portal_url: str = "http://localhost", **options) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="imgportal-saml-idp-"))
        self.key, self.cert = signing_pair(self.dir)
        self.entity_id = f"{self.url}/idp"
        settings = {
            "port": self.port,
            "key": str(self.key),
            "cert": str(self.cert),
            "portal_url": portal_url,
            **options,
        }
        super().__init__(
            [sys.executable, str(IDP_DIR / "saml_idp.py"), json.dumps(settings)],
            f"{self.url}/ready",
            "saml-idp",
        )

    def portal_config(self, name: str = "Riverside University", **overrides) -> dict:
        return {
            "name": name,
            "idp_entity_id": self.entity_id,
            "idp_sso_url": f"{self.url}/sso",
            "idp_cert": self.cert.read_text(),
            **overrides,
        }


def use_providers(settings, *, oidc: dict | None = None, saml: dict | None = None):
    """Point the portal (pytest-django's `settings`) at the given providers."""
    settings.SOCIALACCOUNT_PROVIDERS = social_providers(
        oidc=oidc or {}, saml=saml or {}
    )
