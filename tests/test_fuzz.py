"""No input gives a 500. Every URL the project defines is posted to (and asked
with a query) by each role that may use it, with empty, non-numeric, NUL,
100 KB, superscript, malformed-`next`, format-string and badly encoded values;
every answer is a 2xx, 3xx or 4xx. Bounded and seeded: set FUZZ_SEED to try
another sample, FUZZ_ROUNDS for more mixes per page, FUZZ_ALL=1 for every role."""

import os
import random
import re

import pytest
from django.test import Client
from django.urls import resolve

from tests.test_permission_matrix import _expected
from tests.urls import ALL_URLS, url_of

pytestmark = pytest.mark.django_db

SEED = int(os.environ.get("FUZZ_SEED", "20261203"))
ROUNDS = int(os.environ.get("FUZZ_ROUNDS", "1"))
EVERY_ROLE = os.environ.get("FUZZ_ALL") == "1"
ROLES = ("anonymous", "resident", "mentor", "gme_staff", "co_lead")
VALUES = [
    "",
    "abc",
    "1abc",
    "-1",
    "99999999999999999999",
    "²",
    "١٢",  # Arabic-Indic digits: int() takes them, a database id may not
    "a\x00b",
    "x" * 100_000,
    "{title.foo}",
    "{0.__class__}",
    "%(x)s",
    "<script>",
    "\r\n",
    "2026-02-30",
    "ÿ",
]
NEXTS = ["x", "//evil.example/", "http://evil.example/", "javascript:alert(1)", "\x00"]
# Field names every page gets besides its own: the ids and choices the review
# found 500s on, and those a view reads without a form.
EXTRA_FIELDS = [
    "rsvp",
    "proposal",
    "mentor",
    "remove",
    "members",
    "member",
    "action",
    "decision",
    "kind",
    "q",
    "page",
    "next",
    "academic_year",
    "code",
    "up",
    "year",
]
NAME = re.compile(r'name="([^"]+)"')


def _may_use(name: str) -> list[str]:
    expected = _expected(name) or {}
    return [
        r
        for r in ROLES
        if expected.get(r) in (200, 405)
        or (
            isinstance(expected.get(r), str)
            and expected[r] not in ("→login", "→pending", "→home")
        )
    ]


def _payloads(rng: random.Random, fields: list[str]) -> list[dict]:
    """Empty, every field a non-number, then ROUNDS seeded mixes of the worst
    values (each with a malformed `next`)."""
    payloads = [{}, dict.fromkeys(fields, "abc") | {"next": "x"}]
    for _ in range(ROUNDS):
        payload = {f: rng.choice(VALUES) for f in fields}
        payload["next"] = rng.choice(NEXTS)
        payloads.append(payload)
    return payloads


def _takes_post(url: str) -> bool:
    view_class = getattr(resolve(url).func, "view_class", None)
    if view_class is None:
        return True  # a function view: try it
    return hasattr(view_class, "post")


def _fields_of(response) -> list[str]:
    found = []
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        found = NAME.findall(response.content.decode(errors="replace"))
    return sorted({*found, *EXTRA_FIELDS} - {"csrfmiddlewaretoken"})


def test_no_input_answers_500(request, url_context, django_capture_on_commit_callbacks):
    """Each page once, as one of the roles that may use it (seeded; FUZZ_ALL=1
    for every such role)."""
    rng = random.Random(SEED)  # noqa: S311 - a seeded sample, not a secret
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":  # a visitor: sign-in, sign-up, signed links
            client.force_login(request.getfixturevalue(role).user)
        clients[role] = client
    failures, sent = [], 0

    def send(role, method, url, data, **extra):
        nonlocal sent
        sent += 1
        response = getattr(clients[role], method)(url, data, **extra)
        if response.status_code >= 500:
            shown = data if isinstance(data, bytes) else _short(data)
            failures.append((role, method, url, shown))

    with django_capture_on_commit_callbacks(execute=True):
        for name in sorted(ALL_URLS):
            if name.startswith(("admin:", "account_logout")):
                continue
            url = url_of(name, url_context)
            roles = _may_use(name)
            if roles and not EVERY_ROLE:
                roles = [rng.choice(roles)]
            for role in roles:
                payloads = _payloads(rng, _fields_of(clients[role].get(url)))
                send(role, "get", url, payloads[-1])
                if not _takes_post(url):
                    continue
                for payload in payloads:
                    send(role, "post", url, payload)
                send(
                    role,
                    "post",
                    url,
                    b"next=%FF%FE&q=%C0%AF&\xff\xfe=1",
                    content_type="application/x-www-form-urlencoded",
                )
    assert failures == [], f"{len(failures)} of {sent} requests answered 500"
    assert sent > 300


def _short(payload: dict) -> dict:
    return {k: (v[:20] + "…") if len(v) > 20 else v for k, v in payload.items()}
