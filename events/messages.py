"""Organisers write to an event's people: those going, waiting, checked in, or
who said yes and did not come. Each person gets their own email (To: them
alone, so nobody can reply to all); replies go to the organiser who wrote.
The recipients are fixed when the organiser presses Send (what the preview
counted), and a Celery task queues the emails, once each however often it
runs."""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from events.models import Attendance, Event, EventMessage, Rsvp
from imgportal.links import absolute_url
from members.actions import record
from members.models import Member, User
from notifications.outbox import email_members

Group = EventMessage.Group


def groups_available(event: Event) -> list[tuple[str, str]]:
    """The groups an organiser may choose now: "did not come" once it started."""
    return [
        (value, label)
        for value, label in Group.choices
        if value != Group.NO_SHOW or event.has_started()
    ]


def recipients(event: Event, groups) -> QuerySet[Member]:
    """Active members in any of `groups`, each once."""
    rsvp = Rsvp.objects.filter(event=event, member=OuterRef("pk"))
    here = Attendance.objects.filter(event=event, member=OuterRef("pk"))
    wanted = Q(pk__in=[])
    if Group.GOING in groups:
        wanted |= Q(Exists(rsvp.filter(status=Rsvp.Status.YES)))
    if Group.WAITLIST in groups:
        wanted |= Q(
            Exists(rsvp.filter(status__in=[Rsvp.Status.WAITLIST, Rsvp.Status.OFFERED]))
        )
    if Group.CHECKED_IN in groups:
        wanted |= Q(Exists(here))
    if Group.NO_SHOW in groups and event.has_started():
        wanted |= Q(Exists(rsvp.filter(status=Rsvp.Status.YES))) & ~Q(Exists(here))
    return Member.objects.active().filter(wanted).select_related("user").order_by("pk")


def seal_matches(seal: str, **what) -> bool:
    return bool(seal) and constant_time_compare(seal, preview_seal(**what))


def new_key() -> str:
    return secrets.token_urlsafe(24)


def preview_seal(*, key: str, subject: str, body: str, groups) -> str:
    """A signature of what a preview showed, so Send sends exactly that."""
    text = "\x1f".join([key, subject, body, *sorted(groups)])
    return salted_hmac("events.message.preview", text).hexdigest()


@transaction.atomic
def event_message_send(
    *, event: Event, subject: str, body: str, groups: list[str], key: str, by: User
) -> tuple[EventMessage, bool]:
    """Record the message and hand it to the worker. Returns (message, sent
    now); a key already used (a second click, a resubmitted form) returns
    the first message and sends nothing."""
    earlier = EventMessage.objects.filter(key=key).first()
    if earlier is not None:
        if earlier.event_id != event.pk:
            raise ValidationError("This message belongs to another event.")
        return earlier, False
    allowed = {value for value, _label in groups_available(event)}
    groups = [g for g in Group.values if g in groups]
    if not groups or not set(groups) <= allowed:
        raise ValidationError({"groups": ["Choose who gets the message."]})
    ids = list(recipients(event, groups).values_list("pk", flat=True))
    if not ids:
        raise ValidationError(
            {"groups": ["Nobody is in the groups you chose: nothing was sent."]}
        )
    message = EventMessage.objects.create(
        event=event,
        key=key,
        subject=subject,
        body=body,
        groups=groups,
        recipient_ids=ids,
        sent_by=by,
    )
    record(actor=by, verb="sent", target=event, fields=["message to attendees"])
    from events.tasks import event_message_deliver_task

    transaction.on_commit(lambda: event_message_deliver_task.delay(message.pk))
    return message, True


EMAIL_TEMPLATE = "events/email/attendee_message"


def email_context(message: EventMessage) -> dict:
    """What the email template reads besides its recipient (also the preview)."""
    event = message.event
    sender = message.sent_by
    return {
        "event": event,
        "message": message,
        "sender_name": sender.member.display_name
        if sender is not None and hasattr(sender, "member")
        else "The organisers",
        "when": event.when_text(),
        "event_url": absolute_url(event.get_absolute_url()),
    }


def event_message_deliver(*, message_id: int) -> int:
    """The worker: one email per recipient still active; safe to run again
    (each email's key names the message and the member)."""
    message = (
        EventMessage.objects.select_related("event", "sent_by__member")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return 0
    sender = message.sent_by
    queued = email_members(
        Member.objects.active()
        .filter(pk__in=message.recipient_ids)
        .select_related("user")
        .order_by("pk"),
        key=f"event-message:{message.pk}",
        template_prefix=EMAIL_TEMPLATE,
        context=email_context(message),
        headers={"Reply-To": sender.email} if sender is not None else None,
        each_in_own_transaction=True,
    )
    EventMessage.objects.filter(pk=message.pk, delivered_at__isnull=True).update(
        delivered_at=timezone.now()
    )
    return queued


RESUME_AFTER = timedelta(minutes=2)


def event_messages_resume(*, now=None) -> int:
    """Messages still undelivered a while after Send (the worker died, Redis
    was down): delivered now; the emails' keys keep it to one copy each."""
    now = now or timezone.now()
    stalled = EventMessage.objects.filter(
        delivered_at__isnull=True, sent_at__lte=now - RESUME_AFTER
    ).values_list("pk", flat=True)
    return sum(event_message_deliver(message_id=pk) for pk in list(stalled))
