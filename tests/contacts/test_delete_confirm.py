"""Deleting a contact asks first: the edit page's Delete opens a confirm page
naming the contact, and only its button deletes. Nobody but the owner reaches
either."""

import re

import pytest
from django.urls import reverse

from contacts.models import Contact
from members.models import Role
from tests.conftest import client_for, confirm_fingerprint, page_text
from tests.factories import MemberFactory, give_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(resident):
    return Contact.objects.create(member=resident, name="Dr. Priya Raman")


def _url(contact) -> str:
    return reverse("contacts:delete", args=[contact.pk])


def test_the_edit_pages_delete_opens_a_confirm_page_that_deletes_nothing(
    resident, contact
):
    client = client_for(resident)
    edit = page_text(client.get(reverse("contacts:edit", args=[contact.pk])))
    assert f'href="{_url(contact)}"' in edit
    page = client.get(_url(contact))
    assert page.status_code == 200
    text = page_text(page)
    main = text.split("<main", 1)[1].split("</main>")[0]
    assert '<form method="post"' in main and "<script" not in main
    assert "Delete Dr. Priya Raman from your contacts?" in text
    assert "can't be undone" in text
    cancel = re.search(r'href="([^"]*)">Go back without doing it', text)
    assert cancel and cancel.group(1) == reverse("contacts:edit", args=[contact.pk])
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_the_confirm_deletes_and_says_so(resident, contact):
    client = client_for(resident)
    page = client.get(_url(contact))
    response = client.post(
        _url(contact), {"confirm_fingerprint": confirm_fingerprint(page)}
    )
    assert response["Location"] == reverse("contacts:list")
    assert not Contact.objects.filter(pk=contact.pk).exists()
    listed = page_text(client.get(response["Location"]))
    assert "Deleted Dr. Priya Raman from your contacts." in listed


def test_a_bare_post_asks_first_and_deletes_nothing(resident, contact):
    """The old one-click form (or a page left open) gets the confirm page."""
    response = client_for(resident).post(_url(contact))
    assert response.status_code == 200
    assert "Delete Dr. Priya Raman from your contacts?" in page_text(response)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_confirming_twice_is_not_found_the_second_time(resident, contact):
    client = client_for(resident)
    data = {"confirm_fingerprint": confirm_fingerprint(client.get(_url(contact)))}
    assert client.post(_url(contact), data).status_code == 302
    assert client.post(_url(contact), data).status_code == 404
    assert client.get(_url(contact)).status_code == 404


def test_nobody_else_sees_or_confirms_the_delete(
    resident, mentor, gme_staff, co_lead, contact
):
    superuser = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    superuser.user.is_superuser = superuser.user.is_staff = True
    superuser.user.save()
    give_totp(superuser.user)
    fingerprint = confirm_fingerprint(client_for(resident).get(_url(contact)))
    for other in (mentor, gme_staff, co_lead, superuser):
        client = client_for(other)
        shown = client.get(_url(contact))
        assert shown.status_code == 404, other
        assert "Priya" not in page_text(shown)
        assert client.post(_url(contact)).status_code == 404, other
        posted = client.post(_url(contact), {"confirm_fingerprint": fingerprint})
        assert posted.status_code == 404, other
    assert Contact.objects.filter(pk=contact.pk).exists()
