"""The contacts log as its owner uses it, and as nobody else can."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts import demo
from contacts.models import BoardSeat, Contact
from members.models import DeletionRequest, Member, Role
from members.services import deletion_request_confirm
from tests.conftest import client_for, page_text, post_confirmed
from tests.factories import MemberFactory, give_totp

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _contact(member, name="Dr. Priya Raman", **extra) -> Contact:
    return Contact.objects.create(member=member, name=name, **extra)


FORM = {
    "name": "Dr. Marcus Feld",
    "role": "Program director, Cardiology fellowship",
    "institution": "St. Anne's Heart Institute",
    "where_met": "conference",
    "where_met_detail": "ACC, poster hall",
    "discussed": "Offered to read my personal statement.",
    "last_contact_on": "2026-01-10",
    "follow_up_on": "",
    "tags": "fellowship, Cardiology, fellowship",
    "linked_member": "",
    "board_seat": "application",
}


def test_a_member_adds_edits_saves_unchanged_and_deletes_a_contact(resident, mentor):
    client = client_for(resident)
    follow_up = TODAY() + timedelta(days=3)
    data = FORM | {"follow_up_on": follow_up.isoformat(), "linked_member": mentor.pk}
    response = client.post(reverse("contacts:create"), data)
    assert response.status_code == 302
    contact = Contact.objects.get(member=resident)
    assert contact.tags == ["fellowship", "Cardiology"]
    assert contact.linked_member == mentor
    assert contact.board_seat == BoardSeat.APPLICATION
    text = page_text(client.get(reverse("contacts:list")))
    assert "Dr. Marcus Feld" in text and "Offered" not in text
    assert mentor.full_name in text
    # The edit page shows what was saved; saving it unchanged changes nothing.
    edit = reverse("contacts:edit", args=[contact.pk])
    assert 'value="fellowship, Cardiology"' in page_text(client.get(edit))
    before = list(Contact.objects.values_list("name", "tags", "follow_up_on"))
    resubmit = data | {"tags": "fellowship, Cardiology"}
    assert client.post(edit, resubmit).status_code == 302
    assert list(Contact.objects.values_list("name", "tags", "follow_up_on")) == before
    client.post(edit, resubmit | {"institution": "Lakeside"})
    contact.refresh_from_db()
    assert contact.institution == "Lakeside"
    post_confirmed(client, reverse("contacts:delete", args=[contact.pk]))
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required"),
        ({"last_contact_on": "2099-01-01"}, "last_contact_on", "in the future"),
        ({"follow_up_on": "2199-01-01"}, "follow_up_on", "check the year"),
        ({"follow_up_on": "2026-02-30"}, "follow_up_on", "Enter a valid date"),
        ({"tags": ",".join(f"t{i}" for i in range(30))}, "tags", "Up to 20 tags"),
        ({"tags": "x" * 41}, "tags", "at most 40 characters"),
        ({"where_met": "moon"}, "where_met", "Select a valid choice"),
        ({"discussed": "x" * 5001}, "discussed", "at most 5000 characters"),
        ({"name": "Na\x00me"}, "name", "Null characters are not allowed"),
    ],
)
def test_bad_input_is_a_message_beside_the_field_and_keeps_what_was_typed(
    resident, change, field, message
):
    response = client_for(resident).post(reverse("contacts:create"), FORM | change)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "St. Anne's Heart Institute" in page_text(response)
    assert not Contact.objects.exists()


def test_only_approved_members_can_be_linked_and_never_with_a_visa_status(
    resident, mentor
):
    pending = MemberFactory(status=Member.Status.PENDING, user__last_name="Pendleton")
    response = client_for(resident).get(reverse("contacts:create"))
    choices = response.context["form"].fields["linked_member"].queryset
    assert mentor in choices and pending not in choices and resident not in choices
    text = page_text(response)
    assert "Pendleton" not in text and "J-1" not in text
    posted = client_for(resident).post(
        reverse("contacts:create"), FORM | {"linked_member": pending.pk}
    )
    assert "Select a valid choice" in page_text(posted)
    assert not Contact.objects.exists()


def test_nobody_else_reaches_a_members_contact(resident, mentor, gme_staff, co_lead):
    contact = _contact(resident, name="Zanzibar Canary", discussed="ZQX")
    superuser = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    superuser.user.is_superuser = True
    superuser.user.is_staff = True
    superuser.user.save()
    give_totp(superuser.user)
    for other in (mentor, gme_staff, co_lead, superuser):
        client = client_for(other)
        for name in ("contacts:edit", "contacts:delete", "contacts:logged_today"):
            url = reverse(name, args=[contact.pk])
            assert client.post(url, FORM).status_code == 404, (name, other)
        assert (
            client.get(reverse("contacts:edit", args=[contact.pk])).status_code == 404
        )
        assert "Zanzibar" not in page_text(client.get(reverse("contacts:list")))
        export = client.get(reverse("contacts:export"))
        assert b"Zanzibar" not in export.content
    contact.refresh_from_db()
    assert contact.name == "Zanzibar Canary" and contact.last_contact_on is None
    members_csv = client_for(co_lead).get(reverse("members:export"))
    body = (
        b"".join(members_csv.streaming_content)
        if members_csv.streaming
        else members_csv.content
    )
    assert b"Zanzibar" not in body


def test_contacts_are_not_in_the_admin(co_lead):
    from django.contrib import admin

    assert Contact not in admin.site._registry


def test_logged_today_sets_the_last_contact_and_goes_back_to_the_list(resident):
    contact = _contact(resident, last_contact_on=TODAY() - timedelta(days=30))
    client = client_for(resident)
    url = reverse("contacts:logged_today", args=[contact.pk])
    response = client.post(url, {"next": "/contacts/?due=on"})
    assert response["Location"] == f"/contacts/?due=on#contact-{contact.pk}"
    contact.refresh_from_db()
    assert contact.last_contact_on == TODAY()
    assert client.post(url, {"next": "//evil.example/"})["Location"].startswith(
        "/contacts/"
    )
    other = _contact(
        resident, "Dr. Ana Ruiz", last_contact_on=TODAY() - timedelta(days=3)
    )
    listed = page_text(client.get(reverse("contacts:list")))
    assert "In touch today" in listed
    # The button's name starts with what it shows (WCAG 2.5.3), then says who.
    assert (
        'value="today">Contacted today<span class="visually-hidden">: '
        f"{other.name}</span></button>" in listed
    )
    assert "Logged a contact today" not in listed
    assert client.get(url).status_code == 405


def test_the_follow_up_filter_and_sorts(resident):
    today = TODAY()
    _contact(resident, "Bea Overdue", follow_up_on=today - timedelta(days=5))
    _contact(resident, "Ann Today", follow_up_on=today, tags=["fellowship"])
    _contact(resident, "Cal Later", follow_up_on=today + timedelta(days=9))
    _contact(
        resident,
        "Dee None",
        institution="Lakeside",
        last_contact_on=today - timedelta(days=1),
    )
    _contact(MemberFactory(), "Eve Someone Else", follow_up_on=today)
    client = client_for(resident)

    def names(**query):
        response = client.get(reverse("contacts:list"), query)
        assert response.status_code == 200
        return [c.name for c in response.context["contacts"]]

    assert names() == ["Bea Overdue", "Ann Today", "Cal Later", "Dee None"]
    assert names(due="on") == ["Bea Overdue", "Ann Today"]
    assert names(sort="name") == ["Ann Today", "Bea Overdue", "Cal Later", "Dee None"]
    assert names(sort="last_contact")[0] == "Dee None"
    assert names(tag="fellowship") == ["Ann Today"]
    assert names(q="lakes") == ["Dee None"]
    assert names(q="bea", sort="nonsense", tag="unknown", page="1") == ["Bea Overdue"]
    text = page_text(client.get(reverse("contacts:list")))
    assert "Follow-up overdue" in text and "Follow up today" in text


def test_the_contacts_page_costs_the_same_with_10_and_1000_contacts(resident, mentor):
    client = client_for(resident)

    def count(n):
        existing = Contact.objects.filter(member=resident).count()
        Contact.objects.bulk_create(
            Contact(
                member=resident,
                name=f"Contact {i}",
                tags=["a", f"t{i % 7}"],
                linked_member=mentor,
                follow_up_on=TODAY() + timedelta(days=i % 30 - 10),
            )
            for i in range(existing, n)
        )
        client.get(reverse("contacts:list"), {"sort": "name"})  # warm the caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("contacts:list"), {"sort": "name"})
        assert response.status_code == 200
        return len(queries)

    assert count(10) == count(1000)


def test_the_export_has_the_import_columns_and_neutralises_formulas(resident):
    _contact(
        resident,
        name='=HYPERLINK("http://x")',
        institution="+1+cmd",
        where_met="conference",
        where_met_detail="ACP",
        tags=["a", "b"],
        follow_up_on=TODAY(),
    )
    response = client_for(resident).get(reverse("contacts:export"))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "Name,Role,Institution,Where met,What was discussed,Last contact,"
        "Next follow-up,Tags"
    )
    assert lines[1].startswith('"\'=HYPERLINK(""http://x"")",,\'+1+cmd,')
    assert "Conference: ACP" in lines[1] and '"a, b"' in lines[1]


def test_the_data_download_includes_only_my_contacts(resident, mentor):
    _contact(resident, "Mine", linked_member=mentor, tags=["x"])
    _contact(mentor, "Not mine")
    data = client_for(resident).get(reverse("members:my_data")).json()
    assert [c["name"] for c in data["contacts"]] == ["Mine"]
    assert data["contacts"][0]["linked_member"] == mentor.full_name
    assert "visa" not in str(data["contacts"]).lower()


def test_anonymising_a_member_erases_their_contacts_and_links_to_them(
    resident, mentor, co_lead
):
    _contact(resident, "Dr. Canary", discussed="CANARY-DISCUSSED")
    theirs = _contact(mentor, "About the resident", linked_member=resident)
    request = DeletionRequest.objects.create(member=resident)
    deletion_request_confirm(request=request, by=co_lead.user)
    assert not Contact.objects.filter(member=resident).exists()
    theirs.refresh_from_db()
    assert theirs.linked_member is None and theirs.name == "About the resident"


def test_the_demo_seeds_ten_contacts_once(resident):
    assert demo.seed(resident) == 10
    assert demo.seed(resident) == 0
    contacts = Contact.objects.filter(member=resident)
    assert contacts.exclude(board_seat="").count() == 2
    week = TODAY() + timedelta(days=7)
    assert contacts.filter(follow_up_on__lte=week).count() >= 3
    page = page_text(client_for(resident).get(reverse("contacts:list"), {"due": "on"}))
    assert "Dr. Marcus Feld" in page


def test_a_member_without_a_profile_or_pending_is_sent_away(pending_member):
    response = client_for(pending_member).get(reverse("contacts:list"))
    assert response.status_code == 302
    assert client_for(pending_member).get(reverse("contacts:export")).status_code == 302


def test_a_link_to_a_member_who_left_survives_an_unchanged_save(resident, mentor):
    contact = _contact(resident, "Dr. Left", linked_member=mentor)
    mentor.user.is_active = False
    mentor.user.save()
    client = client_for(resident)
    edit = reverse("contacts:edit", args=[contact.pk])
    form = client.get(edit).context["form"]
    data = {name: (form[name].value() or "") for name in form.fields if name != "tags"}
    assert client.post(edit, data).status_code == 302
    contact.refresh_from_db()
    assert contact.linked_member == mentor
    # A new contact can't be linked to them.
    new = client.post(reverse("contacts:create"), FORM | {"linked_member": mentor.pk})
    assert "Select a valid choice" in page_text(new)
