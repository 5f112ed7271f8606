"""Upgrades keep data: migrating forward from the previous release's schema with
rows in the tables that moved between apps."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import EmailPreferences, OutboundEmail
from notifications.unsubscribe import unsubscribe_token
from tests.factories import MemberFactory

# The release before the notifications app existed.
BEFORE_NOTIFICATIONS = [
    ("imgportal", "0003_outbound_attachments"),
    ("newsletters", "0005_handbook_and_status_categories"),
    ("notifications", None),
]


@pytest.mark.django_db(transaction=True)
def test_the_outbox_and_email_choices_keep_their_rows_when_they_move(
    reference_data, client
):
    """Emails queued and sent, and a member's unsubscribes, written under the old
    schema, are all there under the new one; the admin's content types follow;
    an unsubscribe link from an email sent before the upgrade still works."""
    member = MemberFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_NOTIFICATIONS)
    old = executor.loader.project_state(
        [node for node in BEFORE_NOTIFICATIONS if node[1]]
    ).apps
    OldEmail = old.get_model("imgportal", "OutboundEmail")
    OldPreferences = old.get_model("newsletters", "EmailPreferences")
    OldEmail.objects.create(
        idempotency_key="welcome:1",
        to=member.user.email,
        subject="Welcome",
        body_text="Hello",
        status="sent",
        sent_at="2026-11-30T10:00:00Z",
    )
    OldEmail.objects.create(
        idempotency_key="reminder:2",
        to=member.user.email,
        subject="Tomorrow",
        body_text="See you",
        member_id=member.pk,
        category="event_reminders",
    )
    OldPreferences.objects.create(
        member_id=member.pk, unsubscribed=["digest"], hard_bounces=1
    )
    old_type = ContentType.objects.get(app_label="imgportal", model="outboundemail")
    token = unsubscribe_token(member.pk, "newsletter")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert sorted(OutboundEmail.objects.values_list("idempotency_key", "status")) == [
        ("reminder:2", "queued"),
        ("welcome:1", "sent"),
    ]
    assert OutboundEmail.objects.get(idempotency_key="reminder:2").member == member
    preferences = EmailPreferences.objects.get(member=member)
    assert (preferences.unsubscribed, preferences.hard_bounces) == (["digest"], 1)
    assert ContentType.objects.get_for_model(OutboundEmail).pk == old_type.pk
    response = client.post(f"/newsletters/unsubscribe/{token}/")
    assert response.status_code == 200
    preferences.refresh_from_db()
    assert set(preferences.unsubscribed) == {"digest", "newsletter"}
