"""Human words, not codes, everywhere a person reads (issue 16 item 9)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from members.models import ImportJob
from mentorship.scoring import MentorFacts, RequestFacts, score
from newsletters import services as newsletter_services
from newsletters.models import Newsletter
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "email,first_name,last_name,visa_status,training_stage,specialty,home_country\n"
)


def _upload(client, text: str):
    return client.post(
        reverse("members:import"),
        {"file": SimpleUploadedFile("roster.csv", text.encode(), "text/csv")},
        follow=True,
    )


def test_a_newsletter_audience_reads_as_words(co_lead):
    newsletter = newsletter_services.newsletter_save(
        newsletter=Newsletter(
            subject="Visa news",
            body="Text",
            audience={"visa_statuses": ["j1", "h1b"], "stages": ["pgy1"]},
        ),
        by=co_lead.user,
    )
    page = page_text(
        client_for(co_lead).get(
            reverse("newsletters:manage_detail", args=[newsletter.pk])
        )
    )
    assert "J-1, H-1B members, in PGY-1." in page
    assert "visa_statuses" not in page


def test_import_changes_read_as_field_names_and_labels(co_lead):
    MemberFactory(
        user__email="known@example.org",
        user__first_name="Kofi",
        user__last_name="Mensah",
        training_stage="pgy1",
    )
    page = page_text(
        _upload(
            client_for(co_lead),
            HEADER + "known@example.org,Kofi,Mensah,,PGY-2,,GH\n",
        )
    )
    assert "Training stage: PGY-1 → PGY-2" in page
    assert "pgy1" not in page and "training_stage:" not in page


def test_the_import_page_says_ready_only_when_it_can_be_imported(co_lead):
    client = client_for(co_lead)
    bad = _upload(client, HEADER + "x@example.org,A,B,Q-7,,,\nnot-an-email,A,B,,,,\n")
    text = page_text(bad)
    assert "Ready to confirm" not in text and "ready to import" not in text
    assert "Some rows need fixing" in text
    job = ImportJob.objects.get()
    assert job.total_rows == 2  # data rows, not the header
    good = _upload(client, HEADER + "new@example.org,New,Person,J-1,PGY-1,,\n")
    assert "Checked: ready to import" in page_text(good)


def test_match_reasons_name_languages_not_codes():
    mentor = MentorFacts(
        id=1, member_id=1, types=frozenset({"career"}), languages=frozenset({"es"})
    )
    request = RequestFacts(
        id=1,
        mentee_id=2,
        types=frozenset({"career"}),
        languages=frozenset({"es", "en"}),
    )
    assert "speaks Spanish +10" in score(mentor, request, "career").reasons


def test_dates_carry_their_year_and_one_format(resident):
    deadline = timezone.now() + timedelta(days=3)
    event = EventFactory(rsvp_deadline=deadline)
    page = page_text(client_for(resident).get(event.get_absolute_url()))
    assert timezone.localtime(deadline).strftime("%a %-d %b %Y, %H:%M") in page
