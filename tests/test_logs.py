"""Operators can follow a request through the logs, and the logs hold nobody's
visa status or email: what the configured console handler writes is read back
(JSON, as in production)."""

import io
import json
import logging
from contextlib import contextmanager

import pytest
from celery import shared_task
from django.test import Client, override_settings
from django.urls import reverse

from events import services as event_services
from imgportal import logs
from members.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory
from tests.urls import ALL_URLS, kwargs_for

pytestmark = pytest.mark.django_db

CANARY = "CANARY-VISA-LOGS-5521"
EMAIL = "zq.logcanary@example.org"


@contextmanager
def console_output(level: int = logging.DEBUG):
    """Everything the portal's console handler writes meanwhile, at `level`."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous_stream = handler.setStream(stream)
    loggers = [logging.getLogger(name) for name in ("", "django", "imgportal")]
    previous_levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(level)
    try:
        yield stream
    finally:
        handler.setStream(previous_stream)
        for each, previous in zip(loggers, previous_levels, strict=True):
            each.setLevel(previous)


def _records(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_each_request_has_an_id_in_its_log_lines_and_its_response(client):
    with console_output() as out:
        response = client.get("/handbook/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [r for r in _records(out) if r["logger"] == "imgportal.request"]
    assert line["request_id"] == request_id
    assert line["path"] == "/handbook/"
    assert line["status"] == 200
    assert line["level"] == "INFO"
    assert "time" in line and "duration_ms" in line


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(client):
    kept = client.get("/ping", headers={"X-Request-ID": "7f9c0a1e-lb-trace"})
    assert kept["X-Request-ID"] == "7f9c0a1e-lb-trace"
    for strange in ("<script>alert(1)</script>", "short", "x" * 300, "a b c d e f"):
        replaced = client.get("/ping", headers={"X-Request-ID": strange})
        assert replaced["X-Request-ID"] != strange
        assert len(replaced["X-Request-ID"]) == 32


def test_secret_tokens_in_urls_are_masked_and_query_strings_never_logged(resident):
    feed = event_services.calendar_feed_for(resident)
    with console_output() as out:
        Client().get(reverse("events:feed", args=[feed.token]) + f"?who={EMAIL}")
        directory = reverse("members:directory")
        client_for(resident).get(f"{directory}?q={EMAIL}&visa_other={CANARY}")
    text = out.getvalue()
    assert feed.token not in text
    assert EMAIL not in text and CANARY not in text and "?q=" not in text
    paths = [r["path"] for r in _records(out) if r["logger"] == "imgportal.request"]
    assert paths == ["/events/feed/<token>.ics", directory]


def test_an_email_address_in_a_log_message_is_masked():
    with console_output() as out:
        logging.getLogger("notifications.outbox").warning(
            "Email %s refused permanently: %s", 42, f"(550, b'<{EMAIL}> unknown')"
        )
    [line] = _records(out)
    assert (
        line["message"] == "Email 42 refused permanently: (550, b'<<email>> unknown')"
    )


@shared_task(name="tests.test_logs.log_a_line")
def log_a_line() -> None:
    logging.getLogger("tests.task").warning("working")


def test_a_tasks_lines_carry_its_id_and_the_request_that_queued_it():
    token = logs.current_request_id.set("req-from-the-page-1")
    try:
        with console_output() as out:
            result = log_a_line.delay()
    finally:
        logs.current_request_id.reset(token)
    [line] = [r for r in _records(out) if r["logger"] == "tests.task"]
    assert line["task_id"] == result.id
    assert line["task_name"] == "tests.test_logs.log_a_line"
    assert line["request_id"] == "req-from-the-page-1"


@override_settings(ROOT_URLCONF="tests.urls_errors")
def test_a_server_error_is_logged_with_its_traceback_but_not_the_posted_data():
    client = Client(raise_request_exception=False)
    with console_output() as out:
        response = client.post(
            "/boom/",
            {"note": CANARY, "email": EMAIL},
            headers={"Cookie": f"tracking={CANARY}"},
        )
    assert response.status_code == 500
    text = out.getvalue()
    assert CANARY not in text and EMAIL not in text
    [error] = [r for r in _records(out) if r["level"] == "ERROR"]
    assert error["logger"] == "django.request"
    assert error["request_id"] == response["X-Request-ID"]
    assert "could not file the note for <email>" in error["exc_info"]


@pytest.fixture
def canary_member():
    """A member whose visa text and email are values to search the logs for."""
    return MemberFactory(
        visa_status=Member.VisaStatus.OTHER,
        visa_other=CANARY,
        user__email=EMAIL,
        user__first_name="Canary",
        directory_fields=[*Member.DIRECTORY_DEFAULT, "email"],
    )


@pytest.mark.parametrize("role", ["co_lead", "gme_staff", "resident"])
def test_a_crawl_of_every_page_logs_no_visa_status_and_no_email(
    role, request, canary_member, django_capture_on_commit_callbacks
):
    """Every GET URL, the canary member's id wherever one is taken, a search for
    them in the query string: the pages show them (to staff), the logs never."""
    client = client_for(request.getfixturevalue(role))
    context = {(name, "pk"): canary_member.pk for name in ALL_URLS}
    shown = 0
    with (
        console_output() as out,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for name, pattern in ALL_URLS.items():
            if name.startswith("admin:"):
                continue
            url = reverse(name, kwargs=kwargs_for(name, pattern, context))
            response = client.get(f"{url}?q={EMAIL}&visa_other={CANARY}")
            body = b"".join(response) if response.streaming else response.content
            shown += CANARY.encode() in body or EMAIL.encode() in body
        client.get(f"/members/{EMAIL}/")  # a 404 with the address in the path
    text = out.getvalue()
    assert CANARY not in text
    assert EMAIL not in text
    requests = [r for r in _records(out) if r["logger"] == "imgportal.request"]
    assert len(requests) > 60
    assert all(r["request_id"] for r in requests)
    assert shown, "the canary should be on some page, or the test proves nothing"
