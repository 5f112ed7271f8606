import pytest
from django.urls import reverse

from members.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_dashboard_shows_counts_beside_each_chart(gme_staff):
    MemberFactory.create_batch(
        3, visa_status=Member.VisaStatus.H1B, training_stage="pgy2"
    )
    MemberFactory(status=Member.Status.PENDING)
    response = client_for(gme_staff).get(reverse("members:dashboard"))
    charts = {chart["title"]: chart["rows"] for chart in response.context["charts"]}
    h1b = next(
        r for r in charts["Active members by visa status"] if r["label"] == "H-1B"
    )
    assert h1b["count"] == 3
    assert h1b["width"] == 100.0
    pending = next(
        r for r in charts["All members by status"] if r["value"] == "pending"
    )
    assert pending["count"] == 1
    assert sum(r["count"] for r in charts["Join requests per month"]) >= 5
    page = response.content.decode()
    assert "<svg" in page and 'width="100.0"' in page
