"""The member list and directory count and page through at most what their
pages can show (issue #19 item 3): beyond it the count is PostgreSQL's estimate,
shown as "about", and later pages are not offered."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imgportal.pagination import BoundedPaginator
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def test_a_list_within_the_pages_is_counted_exactly(client, co_lead, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "max_pages", 2)  # 100 rows on the list
    MemberFactory.create_batch(55, status=Member.Status.ACTIVE)
    client.force_login(co_lead.user)
    total = Member.objects.count()
    response = client.get(reverse("members:manage"))
    assert f"{total} members" in _text(response)
    assert "about" not in _text(response).split("members")[0][-30:]
    assert "are not listed" not in _text(response)


def test_a_longer_list_says_about_and_offers_only_the_pages_it_can_show(
    client, co_lead, monkeypatch
):
    monkeypatch.setattr(BoundedPaginator, "max_pages", 2)
    MemberFactory.create_batch(130, status=Member.Status.ACTIVE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
    client.force_login(co_lead.user)
    response = client.get(reverse("members:manage"))
    text = _text(response)
    assert "about 1" in text  # "about 130" or so: the planner's estimate
    assert "Page 1 of 2" in text
    assert "Pages after page 2 are not listed" in text
    last = client.get(reverse("members:manage") + "?page=2")
    assert last.status_code == 200
    assert "Next" not in _text(last).split("Page 2 of 2")[1][:80]
    assert client.get(reverse("members:manage") + "?page=3").status_code == 404


def test_the_directory_says_about_too(client, resident, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "max_pages", 1)  # 24 cards
    MemberFactory.create_batch(40, status=Member.Status.ACTIVE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
    client.force_login(resident.user)
    text = _text(client.get(reverse("members:directory")))
    assert "about " in text
    assert "Pages after page 1 are not listed" in text


def test_the_count_reads_at_most_the_rows_the_pages_show(co_lead, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "max_pages", 2)
    MemberFactory.create_batch(30, status=Member.Status.ACTIVE)
    paginator = BoundedPaginator(Member.objects.order_by("pk"), 10)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count_label.startswith("about ")
    assert "LIMIT 21" in queries.captured_queries[0]["sql"]
    assert paginator.num_pages == 2
    whole = BoundedPaginator(Member.objects.order_by("pk"), 100)
    assert whole.count_label == str(Member.objects.count())
    assert not whole.truncated
