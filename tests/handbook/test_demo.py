"""The starter handbook seed_demo loads."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from handbook.models import Chapter, Page, Revision, VisaTimeline

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_starter_handbook_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", members=5)
    call_command("seed_demo", members=5)
    assert Chapter.objects.count() == 12
    assert Chapter.objects.filter(visa_chapter=True).count() == 5
    for page in Page.objects.all():
        assert page.is_published
        assert page.revisions.filter(state="published").count() >= 2, page
        assert "Official sources" in page.body_html
    assert Revision.objects.filter(state="draft", is_suggestion=True).count() == 1
    assert VisaTimeline.objects.count() == 20
    assert not VisaTimeline.objects.filter(is_example=False).exists()
    # Internal links between pages resolve.
    assert not Page.objects.filter(body_text__contains="[[").exists()
    stale = [p for p in Page.objects.all() if p.is_stale()]
    assert len(stale) == 2
    response = Client().get(reverse("handbook:search"), {"q": "travel signature"})
    assert "The travel signature and re-entry" in response.content.decode()
