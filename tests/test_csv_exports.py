"""Every CSV the portal writes is safe to open in a spreadsheet: formula-looking
values seeded everywhere, every CSV URL the project defines fetched, no cell
left starting with = + - @ tab or CR."""

import csv
import io
from datetime import date

import pytest

from events.models import Answer, Event, Guest, Question, Rsvp
from imgportal.csv_export import FORMULA_PREFIXES
from members.models import LeadershipRole
from mentorship.models import MentorProfile
from tests.conftest import client_for
from tests.factories import EventFactory, MemberFactory
from tests.urls import ALL_URLS, url_of

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://x")', "+1+cmd", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
CSV_URLS = sorted(
    name for name, p in ALL_URLS.items() if str(p.pattern).endswith(".csv")
)


def test_the_walk_finds_the_csv_exports():
    assert {
        "members:export",
        "members:leadership_csv",
        "events:report_csv",
        "mentorship:overview_csv",
    } <= set(CSV_URLS)


@pytest.fixture
def seeded(co_lead, url_context):
    # The attendee list's event: members, guests and answers that look like formulas.
    event = Event.objects.get(pk=url_context[("events:attendees_csv", "pk")])
    question = Question.objects.create(event=event, label=FORMULAS[0], kind="text")
    for formula in FORMULAS:
        rsvp = Rsvp.objects.create(
            event=event,
            member=MemberFactory(preferred_name=formula),
            status="yes",
            guests=1,
        )
        Guest.objects.create(rsvp=rsvp, name=formula)
        Answer.objects.create(rsvp=rsvp, question=question, value=formula)
    for i, formula in enumerate(FORMULAS):
        member = MemberFactory(
            user__first_name=formula,
            user__last_name=formula,
            user__email=f"=cmd{i}@example.org",
        )
        MentorProfile.objects.create(member=member, types=["career"])
        LeadershipRole.objects.create(
            member=co_lead, kind="wellness", title=formula, start=date(2025, 7, 1)
        )
        EventFactory(title=formula, funding="other", funding_source=formula)
    from contacts.models import Contact

    for formula in FORMULAS:
        Contact.objects.create(
            member=co_lead,
            name=formula,
            role=formula,
            institution=formula,
            where_met_detail=formula,
            discussed=formula,
            tags=[formula],
        )


@pytest.mark.parametrize("name", CSV_URLS)
def test_no_cell_of_any_csv_starts_like_a_formula(name, seeded, co_lead, url_context):
    response = client_for(co_lead).get(url_of(name, url_context))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    cells = [cell for row in csv.reader(io.StringIO(body, newline="")) for cell in row]
    assert any(cell.startswith("'") for cell in cells), "the seeded values are missing"
    unsafe = [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
    assert unsafe == []
