"""The data page reads as the portal's forms do: labels, not the codes the JSON
download keeps."""

import datetime
import re

import pytest
from django.urls import reverse

from members.models import LeadershipRole
from members.readable import readable_value
from tests.conftest import client_for, page_text

pytestmark = pytest.mark.django_db


def test_the_page_shows_labels_and_the_download_keeps_codes(resident):
    resident.languages = ["hi", "en"]
    resident.medical_school_country = "IN"
    resident.save()
    LeadershipRole.objects.create(
        member=resident,
        kind=LeadershipRole.Kind.CHIEF_RESIDENT,
        title="For 2026-27",
        start=datetime.date(2026, 7, 1),
    )
    client = client_for(resident)
    html = page_text(client.get(reverse("members:my_data_page")))
    main = html.split("<main", 1)[1].split("</main>")[0]
    page = " ".join(re.sub(r"<[^>]+>", " ", main).split())
    data = client.get(reverse("members:my_data")).json()
    assert data["profile"]["visa_status"] == "j1"
    assert data["profile"]["languages"] == ["hi", "en"]
    assert "Visa status J-1" in page
    assert "Training stage PGY-1" in page
    assert "Languages Hindi, English" in page
    assert "Medical school country India" in page
    assert "Status Active" in page
    assert "Chief resident For 2026-27 Wed 1 Jul 2026" in page
    for code in ("j1", "pgy1", "chief_resident", "Visa_status", "'hi'"):
        assert code not in page, code


def test_values_without_choices_are_kept_as_written():
    assert readable_value("bio", "pgy1 in Mumbai") == "pgy1 in Mumbai"
    assert readable_value("shown_in_directory", []) == "—"
    assert readable_value("anything", True) == "Yes"


def test_a_related_field_is_labelled_by_its_own_name():
    from members.readable import readable_key

    assert readable_key("match__kind") == "Match kind"
    assert readable_value("match__training_stage", "pgy2") == "PGY-2"
