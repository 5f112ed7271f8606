"""A mentee's board of mentors (issue 21 item 6): a seat per kind of mentor,
filled by matches of that kind or by informal mentors from the member's own
contacts log; empty seats offer to request a mentor for them."""

import pytest
from django.urls import reverse

from contacts.models import BoardSeat, Contact
from mentorship import services
from mentorship.models import MentorProfile, MentorshipRequest, MentorType
from tests.conftest import client_for, page_text

pytestmark = pytest.mark.django_db


def test_board_seats_are_the_kinds_of_mentor():
    assert [(v, str(label)) for v, label in BoardSeat.choices] == [
        (v, str(label)) for v, label in MentorType.choices
    ]


def test_the_board_shows_who_fills_each_seat_and_the_empty_ones(resident, mentor):
    profile = MentorProfile.objects.create(member=mentor, types=["career"])
    wanted = MentorshipRequest.objects.create(
        mentee=resident, types=["career"], goals="Fellowship"
    )
    services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    Contact.objects.create(
        member=resident, name="Dr Amara Obi", board_seat=BoardSeat.RESEARCH
    )
    client = client_for(resident)
    html = page_text(client.get(reverse("mentorship:hub")))
    board = html[html.index('data-testid="board"') :]
    board = board[: board.index("</table>")]
    rows = {
        str(label): board.split(str(label), 1)[1].split("</tr>", 1)[0]
        for _kind, label in MentorType.choices
    }
    assert mentor.display_name in rows["Career (in the specialty)"]
    assert "waiting for the mentor" in rows["Career (in the specialty)"]
    assert "Dr Amara Obi" in rows["Research"] and "informal" in rows["Research"]
    assert "Empty" in rows["Near-peer (a resident 1–2 years ahead)"]
    assert "Empty" not in rows["Research"]
    assert (
        f"{reverse('mentorship:request')}?type=near_peer"
        in rows["Near-peer (a resident 1–2 years ahead)"]
    )
    # Another member's informal mentors are not on this member's board.
    other = page_text(client_for(mentor).get(reverse("mentorship:hub")))
    assert "Dr Amara Obi" not in other


def test_requesting_for_an_empty_seat_ticks_that_kind_with_the_others(resident):
    MentorshipRequest.objects.create(mentee=resident, types=["career"], goals="x")
    response = client_for(resident).get(
        reverse("mentorship:request") + "?type=near_peer"
    )
    html = page_text(response)
    for kind in ("career", "near_peer"):
        assert f'value="{kind}" ' in html
        tag = html.split(f'value="{kind}"', 1)[1].split(">", 1)[0]
        assert "checked" in tag
    research = html.split('value="research"', 1)[1].split(">", 1)[0]
    assert "checked" not in research
    # An odd type is ignored.
    assert (
        client_for(resident)
        .get(reverse("mentorship:request") + "?type=%00zz")
        .status_code
        == 200
    )
