"""One path from a service's refusal to the page (issue 17 item 5).

Services raise `ValidationError`, naming a field or not; every view hands it to
`imgportal.form_errors`, which shows it next to the field or at the top of the
form and keeps what the person typed. A refusal without a field used to crash
views that read `exc.message_dict` (a 500 instead of the reason)."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events import attendance as events_attendance
from events import services as event_services
from newsletters import services as newsletter_services
from newsletters.models import Newsletter
from tests.conftest import client_for, page_text
from tests.factories import EventFactory
from tests.test_form_round_trip import _as_data, _Forms

ROOT = Path(__file__).resolve().parent.parent
REFUSAL = "Someone changed this meanwhile: nothing was saved."


def _refuse(**_arguments):
    raise ValidationError(REFUSAL)


@pytest.mark.django_db
def test_a_newsletter_save_refused_without_a_field_is_shown_not_a_500(
    co_lead, monkeypatch
):
    newsletter = Newsletter.objects.create(
        subject="Draft", body="Body", created_by=co_lead.user
    )
    monkeypatch.setattr(newsletter_services, "newsletter_save", _refuse)
    response = client_for(co_lead).post(
        reverse("newsletters:edit", args=[newsletter.pk]),
        {"subject": "My new subject", "body": "My new body"},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert REFUSAL in text
    assert 'value="My new subject"' in text


def _rendered_form(client, url: str) -> dict:
    """What the page's own form would post (as a browser submits it)."""
    parser = _Forms()
    parser.feed(client.get(url).content.decode())
    form = next(f for f in parser.forms if f["visible"] and not f["named_submit"])
    return _as_data(form["fields"])


@pytest.mark.django_db
def test_an_event_save_refused_without_a_field_is_shown_not_a_500(co_lead, monkeypatch):
    event = EventFactory()
    client = client_for(co_lead)
    url = reverse("events:edit", args=[event.pk])
    data = {**_rendered_form(client, url), "title": "A typed title"}
    monkeypatch.setattr(event_services, "event_save", _refuse)
    response = client.post(url, data)
    assert response.status_code == 200, response.status_code
    text = page_text(response)
    assert REFUSAL in text
    assert 'value="A typed title"' in text


@pytest.mark.django_db
def test_a_self_check_in_refused_without_a_field_is_shown_not_a_500(
    resident, monkeypatch
):
    event = EventFactory()
    monkeypatch.setattr(events_attendance, "checkin_with_code", _refuse)
    response = client_for(resident).post(
        reverse("events:code_checkin", args=[event.pk]), {"code": "ABC123"}
    )
    assert response.status_code == 200, response.status_code
    assert REFUSAL in page_text(response)


def _views_reading_the_exception():
    """`exc.message_dict`, `exc.messages`, `exc.error_dict` in a view: the
    conversion written again instead of calling the helper."""
    found = []
    for path in sorted(ROOT.glob("*/views*.py")) + sorted(ROOT.glob("*/views/*.py")):
        if ".venv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in (
                "message_dict",
                "messages",
                "error_dict",
            ):
                if isinstance(node.value, ast.Name) and node.value.id == "exc":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_view_uses_the_one_helper():
    assert _views_reading_the_exception() == []
