"""With SENTRY_DSN set, a server error reaches a Sentry-compatible receiver, and
what it receives says where the code broke, not whose data it was.

The portal runs in its own process with SENTRY_DSN in its environment (the way
settings.py turns reporting on), posts to a view that breaks (a test-only URL
conf), and its SDK sends to a small HTTP server of the test's own."""

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.db import connection

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
CANARY = "CANARY-VISA-SENTRY-8812"
EMAIL = "zq.sentrycanary@example.org"

# Through Django's production WSGIHandler, as gunicorn calls it (the test Client
# skips the WSGI layer where the SDK reads the URL, headers and address).
PORTAL = f"""
import django
django.setup()
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from django.test.utils import override_settings

request = RequestFactory().post(
    "/boom/?who={EMAIL}",
    {{"note": "{CANARY}", "email": "{EMAIL}"}},
    headers={{
        "Cookie": "tracking={CANARY}; __Host-sessionid={CANARY}",
        "Referer": "http://testserver/members/?q={EMAIL}",
        "Authorization": "Bearer {CANARY}",
        "X-Request-ID": "sentry-test-request-1",
    }},
    REMOTE_ADDR="203.0.113.77",
)
statuses = []
with override_settings(ROOT_URLCONF="tests.urls_errors"):
    handler = WSGIHandler()
    b"".join(handler(request.environ, lambda status, headers: statuses.append(status)))
print(statuses[0])
sentry_sdk.flush(timeout=10)
"""


class Receiver(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli  # only if the SDK chose it

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    port = free_port()
    handler = type("Handler", (Receiver,), {"received": []})
    server = HTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port, handler.received
    finally:
        server.shutdown()
        server.server_close()


def _events(received: list[bytes]) -> list[dict]:
    """The `event` items of the envelopes (a header line, then item header and
    payload lines)."""
    events = []
    for envelope in received:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


@pytest.mark.django_db
def test_a_server_error_reaches_sentry_without_the_request_or_personal_data(
    receiver,
):
    port, received = receiver
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "SENTRY_DSN": f"http://public@127.0.0.1:{port}/1",
        "SENTRY_ENVIRONMENT": "tests",
    }
    result = subprocess.run(
        [sys.executable, "-c", PORTAL],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "500 Internal Server Error", result.stderr
    raw = b"".join(received)
    assert raw, "nothing reached the receiver"
    assert CANARY.encode() not in raw
    assert EMAIL.encode() not in raw
    assert b"tracking" not in raw and b"sessionid" not in raw
    assert b"203.0.113.77" not in raw

    [event] = [e for e in _events(received) if e.get("exception")]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "ValueError"
    assert exception["value"].startswith("could not file the note for <email>")
    assert event["environment"] == "tests"
    assert event["tags"]["request_id"] == "sentry-test-request-1"
    assert event["request"]["url"] == "http://testserver/boom/"
    assert set(event["request"]) == {"method", "url", "headers"}
    assert {k.lower() for k in event["request"]["headers"]} <= {
        "accept",
        "content-length",
        "content-type",
        "host",
        "x-request-id",
    }
    assert event.get("user", {}) == {}
    frames = exception["stacktrace"]["frames"]
    assert frames and all("vars" not in frame for frame in frames)
