import pytest
from django.urls import reverse

from members.models import Member, Specialty
from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _names(client, **params) -> set[str]:
    response = client.get(reverse("members:directory"), params)
    assert response.status_code == 200
    return {m.user.first_name for m in response.context["members"]}


def test_search_by_name_and_filters(resident):
    cardio = Specialty.objects.get(name="Cardiology")
    MemberFactory(
        user__first_name="Ines",
        user__last_name="Duarte",
        languages=["pt"],
        specialty=cardio,
        training_stage="fellow",
    )
    MemberFactory(user__first_name="Omar", preferred_name="Omi", languages=["ar"])
    client = client_for(resident)
    assert _names(client, q="duarte") == {"Ines"}
    assert _names(client, q="omi") == {"Omar"}
    assert _names(client, language="pt") == {"Ines"}
    assert _names(client, specialty=cardio.pk) == {"Ines"}
    assert _names(client, training_stage="fellow") == {"Ines"}


def test_only_approved_members_are_listed(resident):
    MemberFactory(user__first_name="Waiting", status=Member.Status.PENDING)
    MemberFactory(user__first_name="Gone", status=Member.Status.INACTIVE)
    MemberFactory(user__first_name="Grad", status=Member.Status.ALUMNI)
    names = _names(client_for(resident))
    assert "Grad" in names
    assert not {"Waiting", "Gone"} & names


def test_a_pending_members_page_is_not_found_for_residents(resident):
    waiting = MemberFactory(status=Member.Status.PENDING)
    assert client_for(resident).get(waiting.get_absolute_url()).status_code == 404


def test_directory_is_paginated(resident):
    MemberFactory.create_batch(30)
    client = client_for(resident)
    first = client.get(reverse("members:directory"))
    assert len(first.context["members"]) == 24
    assert client.get(reverse("members:directory"), {"page": 2}).status_code == 200
