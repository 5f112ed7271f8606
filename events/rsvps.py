"""RSVPs, capacity, the waitlist and seat offers: who has a seat, and who is next."""

import base64
from collections.abc import Sequence
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    F,
    Max,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from events import registration
from events.models import (
    Event,
    Guest,
    Rsvp,
)
from imgportal.links import absolute_url
from members.actions import record
from members.models import Member
from notifications import selectors as notification_selectors
from notifications.outbox import email_queue_template

OFFER_HOURS = 24


OFFER_SALT = "events.offer"


def audience_members(event: Event) -> QuerySet[Member]:
    return notification_selectors.audience_members(event.audience)


def in_audience(event: Event, member: Member) -> bool:
    return audience_members(event).filter(pk=member.pk).exists()


def seats_taken(event: Event) -> int:
    seated = event.rsvps.filter(status__in=Rsvp.SEATED).aggregate(
        seats=Coalesce(Sum(F("guests") + 1), 0)
    )
    return seated["seats"]


def _closed_reason(event: Event, member: Member) -> str | None:
    now = timezone.now()
    if event.status == Event.Status.CANCELLED:
        return "This event was cancelled."
    if event.status != Event.Status.PUBLISHED:
        return "This event isn't open for RSVPs."
    if event.has_started(now):
        return "This event has already started."
    if event.rsvp_deadline and now >= event.rsvp_deadline:
        return "The RSVP deadline has passed."
    if not in_audience(event, member):
        return "This event is for a particular group of members, which you're not in."
    return None


@transaction.atomic
def rsvp_yes(
    *,
    event: Event,
    member: Member,
    guests: int | Sequence[tuple[str, str]] = 0,
    answers: dict[int, object] | None = None,
) -> Rsvp:
    """Take a seat, or a waitlist place when the event is full. `guests` is a
    count, or the guests' (name, adult/child) pairs, which replace the RSVP's
    guest list; `answers` ({question id: value}) replace the member's answers.
    Saying yes again updates both while RSVPs are open; on an event whose
    organisers approve each RSVP, an approved member can't add guests."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if reason := _closed_reason(event, member):
        raise ValidationError(reason)
    named = None if isinstance(guests, int) else list(guests)
    if named is not None:
        guests = len(named)
    before = (
        Rsvp.objects.filter(event=event, member=member)
        .values_list("status", flat=True)
        .first()
    )
    if event.requires_approval and before not in Rsvp.SEATED:
        rsvp = _rsvp_request(event, member, guests, before)
    else:
        rsvp = _rsvp_yes(event, member, guests)
    if named is not None:
        registration.guests_store(rsvp, named)
    elif rsvp.guest_list.exists():
        registration.guests_store(rsvp, list(_unnamed(rsvp, guests)))
    if answers is not None:
        registration.answers_store(rsvp, answers)
    if rsvp.status == Rsvp.Status.YES and before != Rsvp.Status.YES:
        confirmation_send(rsvp)
    return rsvp


def confirmation_send(rsvp: Rsvp) -> None:
    """ "You're going": the member's personal check-in code as text and as a
    QR image, their guests, and the event's .ics. Once per seat taken (saying
    yes again to change answers sends nothing)."""
    from events.codes import personal_code
    from events.ics import event_calendar
    from events.qr import qr_png

    event, member = rsvp.event, rsvp.member
    code = personal_code(rsvp)
    email_queue_template(
        key=f"event-confirmed:{rsvp.pk}:{rsvp.responded_at.timestamp():.6f}",
        to=member.user.email,
        template_prefix="events/email/rsvp_confirmed",
        context={
            "event": event,
            "member": member,
            "when": event.when_text(),
            "code": code,
            "guests": list(rsvp.guest_list.all()),
            "event_url": absolute_url(event.get_absolute_url()),
        },
        member=member,
        attachments=[
            {
                "filename": "check-in-code.png",
                "content": base64.b64encode(qr_png(code)).decode(),
                "mimetype": "image/png",
                "encoding": "base64",
            },
            {
                "filename": f"event-{event.pk}.ics",
                "content": event_calendar([event], show_online_for={event.pk}).decode(),
                "mimetype": "text/calendar",
            },
        ],
    )


def _unnamed(rsvp: Rsvp, count: int):
    """Keep the names already given when only a count changes."""
    current = list(rsvp.guest_list.all())
    for index in range(count):
        guest = current[index] if index < len(current) else None
        yield (guest.name, guest.age) if guest else ("", Guest.Age.ADULT)


def _rsvp_request(event: Event, member: Member, guests: int, before) -> Rsvp:
    """An event whose organisers approve each RSVP: a yes waits, taking no seat."""
    _guests_check(event, guests)
    if before == Rsvp.Status.REFUSED:
        raise ValidationError(
            "The organisers didn't approve your request for this event: write to "
            "them if you think that's a mistake."
        )
    rsvp, _ = Rsvp.objects.update_or_create(
        event=event,
        member=member,
        defaults={
            "status": Rsvp.Status.PENDING,
            "guests": guests,
            "waitlist_position": None,
            "offer_expires_at": None,
            "responded_at": timezone.now(),
            **as_of_today(member),
        },
    )
    return rsvp


@transaction.atomic
def rsvp_approve(*, rsvp: Rsvp, by) -> Rsvp:
    """An organiser approves a request: it takes its seats (if they are free)
    and the member gets the "You're going" email with their check-in code."""
    event = Event.objects.select_for_update().get(pk=rsvp.event_id)
    rsvp = Rsvp.objects.select_related("member__user").get(pk=rsvp.pk)
    if rsvp.status == Rsvp.Status.YES:
        return rsvp  # a second click: approved already
    if rsvp.status not in (Rsvp.Status.PENDING, Rsvp.Status.REFUSED):
        raise ValidationError("Only a request waiting for approval can be approved.")
    if event.status != Event.Status.PUBLISHED or event.has_started():
        raise ValidationError("This event is no longer open.")
    if event.capacity is not None:
        free = event.capacity - seats_taken(event)
        if rsvp.seats > free:
            raise ValidationError(
                f"Not enough free seats: {max(free, 0)} free, and this request needs "
                f"{rsvp.seats}. Raise the capacity or decline."
            )
    rsvp.status = Rsvp.Status.YES
    rsvp.responded_at = timezone.now()
    rsvp.save(update_fields=["status", "responded_at"])
    record(actor=by, verb="confirmed", target=event, member=rsvp.member_id)
    confirmation_send(rsvp)
    return rsvp


@transaction.atomic
def rsvp_refuse(*, rsvp: Rsvp, by) -> Rsvp:
    """An organiser declines a request (or an approval already given, before
    the event): the member is told; their answers and guests' names go."""
    event = Event.objects.select_for_update().get(pk=rsvp.event_id)
    rsvp = Rsvp.objects.select_related("member__user").get(pk=rsvp.pk)
    if rsvp.status == Rsvp.Status.REFUSED:
        return rsvp
    if rsvp.status not in (Rsvp.Status.PENDING, Rsvp.Status.YES):
        raise ValidationError("Only a request or an approved RSVP can be declined.")
    if event.has_started():
        raise ValidationError("This event has already started.")
    freed = rsvp.status == Rsvp.Status.YES
    registration.registration_forget(rsvp)
    rsvp.status = Rsvp.Status.REFUSED
    rsvp.guests = 0
    rsvp.responded_at = timezone.now()
    rsvp.save(update_fields=["status", "guests", "responded_at"])
    record(actor=by, verb="declined", target=event, member=rsvp.member_id)
    email_queue_template(
        key=f"event-refused:{rsvp.pk}:{rsvp.responded_at.timestamp():.6f}",
        to=rsvp.member.user.email,
        template_prefix="events/email/rsvp_refused",
        context={
            "event": event,
            "member": rsvp.member,
            "when": event.when_text(),
            "event_url": absolute_url(event.get_absolute_url()),
        },
    )
    if freed:
        offer_free_seats(event)
    return rsvp


def _guests_check(event: Event, guests: int) -> None:
    if guests < 0 or guests > event.guests_allowed:
        raise ValidationError(
            {
                "guests": [
                    f"You can bring up to {event.guests_allowed} "
                    f"guest{'s' if event.guests_allowed != 1 else ''}."
                    if event.guests_allowed
                    else "This event is for members only."
                ]
            }
        )


def _more_guests_refuse(rsvp: Rsvp) -> None:
    """On an event whose organisers approve each RSVP, they approve every seat:
    an approved member may bring fewer guests, not more. Refused rather than
    sent back for approval, which would take away the seat already approved
    (a request holds none, and a decline is final)."""
    approved = (
        f"you and {rsvp.guests} guest{'s' if rsvp.guests != 1 else ''}"
        if rsvp.guests
        else "you alone"
    )
    raise ValidationError(
        {
            "guests": [
                f"The organisers approved your place for {approved}, and they "
                "approve every seat at this event: to bring more guests, write to "
                "them. Your approved place is kept as it was."
            ]
        }
    )


def _rsvp_yes(event: Event, member: Member, guests: int) -> Rsvp:
    _guests_check(event, guests)
    rsvp = Rsvp.objects.filter(event=event, member=member).first()
    now = timezone.now()
    if rsvp is not None and rsvp.status in Rsvp.SEATED:
        if event.requires_approval and guests > rsvp.guests:
            _more_guests_refuse(rsvp)
        if rsvp.status == Rsvp.Status.OFFERED:
            rsvp.status = Rsvp.Status.YES
            rsvp.offer_expires_at = None
        extra = guests - rsvp.guests
        if extra > 0 and event.capacity is not None:
            if seats_taken(event) + extra > event.capacity:
                raise ValidationError(
                    {"guests": ["There aren't enough free seats for more guests."]}
                )
        rsvp.guests = guests
        rsvp.responded_at = now
        rsvp.training_stage = member.training_stage
        rsvp.visa_status = member.visa_status
        rsvp.save(
            update_fields=[
                "status",
                "offer_expires_at",
                "guests",
                "responded_at",
                "training_stage",
                "visa_status",
            ]
        )
        if extra < 0:
            offer_free_seats(event)
        return rsvp
    if rsvp is not None and rsvp.status == Rsvp.Status.WAITLIST:
        rsvp.guests = guests
        rsvp.save(update_fields=["guests"])
        return rsvp
    fits = event.capacity is None or seats_taken(event) + 1 + guests <= event.capacity
    # Nobody jumps the queue: a free seat belongs to whoever has waited longest.
    waiting = event.rsvps.filter(status=Rsvp.Status.WAITLIST).exists()
    status = Rsvp.Status.YES if fits and not waiting else Rsvp.Status.WAITLIST
    position = None
    if status == Rsvp.Status.WAITLIST:
        position = (
            event.rsvps.aggregate(last=Max("waitlist_position"))["last"] or 0
        ) + 1
    rsvp, _ = Rsvp.objects.update_or_create(
        event=event,
        member=member,
        defaults={
            "status": status,
            "guests": guests,
            "waitlist_position": position,
            "offer_expires_at": None,
            "responded_at": now,
            **as_of_today(member),
        },
    )
    return rsvp


@transaction.atomic
def rsvp_no(*, event: Event, member: Member) -> Rsvp:
    """Not going (or no longer): a freed seat is offered to the waitlist."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.has_started():
        raise ValidationError("This event has already started.")
    if event.status == Event.Status.CANCELLED:
        raise ValidationError("This event was cancelled.")
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError("This event isn't open for RSVPs.")
    rsvp = Rsvp.objects.filter(event=event, member=member).first()
    if rsvp is None:
        if not in_audience(event, member):
            raise ValidationError(
                "This event is for a particular group of members, which you're not in."
            )
        return Rsvp.objects.create(event=event, member=member, status=Rsvp.Status.NO)
    if rsvp.status == Rsvp.Status.REFUSED:
        return rsvp  # declined by the organisers: a no changes nothing
    freed = rsvp.status in Rsvp.SEATED
    registration.registration_forget(rsvp)
    rsvp.status = Rsvp.Status.NO
    rsvp.guests = 0
    rsvp.waitlist_position = None
    rsvp.offer_expires_at = None
    rsvp.responded_at = timezone.now()
    rsvp.save(
        update_fields=[
            "status",
            "guests",
            "waitlist_position",
            "offer_expires_at",
            "responded_at",
        ]
    )
    if freed:
        offer_free_seats(event)
    return rsvp


def offer_free_seats(event: Event) -> list[Rsvp]:
    """Offer free seats down the waitlist in order (the caller holds the event's
    lock). A party that doesn't fit is passed over for a smaller one behind it,
    keeping its place for the next seat that frees."""
    if event.status != Event.Status.PUBLISHED or event.has_started():
        return []
    waiting = list(
        event.rsvps.filter(status=Rsvp.Status.WAITLIST)
        .select_related("member__user")
        .order_by("waitlist_position", "pk")
    )
    if not waiting:
        return []
    now = timezone.now()
    if event.capacity is None:
        # No limit any more: everybody waiting is in.
        event.rsvps.filter(status=Rsvp.Status.WAITLIST).update(
            status=Rsvp.Status.YES, waitlist_position=None, responded_at=now
        )
        for rsvp in waiting:
            rsvp.status, rsvp.waitlist_position, rsvp.responded_at = (
                Rsvp.Status.YES,
                None,
                now,
            )
            confirmation_send(rsvp)
        return []
    free = event.capacity - seats_taken(event)
    expires = min(now + timedelta(hours=OFFER_HOURS), event.starts_at)
    offered = []
    for rsvp in waiting:
        if free <= 0:
            break
        if rsvp.seats > free:
            continue
        rsvp.status = Rsvp.Status.OFFERED
        rsvp.offer_expires_at = expires
        rsvp.save(update_fields=["status", "offer_expires_at"])
        free -= rsvp.seats
        offered.append(rsvp)
        email_queue_template(
            key=f"event-offer:{rsvp.pk}:{int(expires.timestamp())}",
            to=rsvp.member.user.email,
            template_prefix="events/email/seat_offer",
            context={
                "event": event,
                "member": rsvp.member,
                "when": event.when_text(),
                "expires": timezone.localtime(expires),
                "confirm_url": absolute_url(
                    reverse("events:offer", args=[offer_token(rsvp)])
                ),
                "event_url": absolute_url(event.get_absolute_url()),
            },
        )
    return offered


def offer_token(rsvp: Rsvp) -> str:
    """A signed, single-offer token: it names the RSVP and this offer's deadline."""
    return signing.dumps(
        {"r": rsvp.pk, "e": int(rsvp.offer_expires_at.timestamp())},
        salt=OFFER_SALT,
    )


def offer_from_token(token: str) -> Rsvp | None:
    """The RSVP an offer link names, if the link is genuine and still this offer."""
    try:
        data = signing.loads(token, salt=OFFER_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not all(
        type(data.get(key)) is int for key in ("r", "e")
    ):
        return None  # signed by us, but not an offer this code wrote
    rsvp = (
        Rsvp.objects.select_related("event", "member__user")
        .filter(pk=data["r"])
        .first()
    )
    if rsvp is None or rsvp.offer_expires_at is None:
        return rsvp if rsvp is not None and rsvp.status == Rsvp.Status.YES else None
    if int(rsvp.offer_expires_at.timestamp()) != data.get("e"):
        return None
    return rsvp


@transaction.atomic
def offer_accept(*, rsvp: Rsvp) -> Rsvp:
    """Confirm an offered seat before the offer lapses."""
    event = Event.objects.select_for_update().get(pk=rsvp.event_id)
    rsvp = Rsvp.objects.get(pk=rsvp.pk)
    if rsvp.status == Rsvp.Status.YES:
        return rsvp  # a second click: already confirmed
    if event.status != Event.Status.PUBLISHED or event.has_started():
        raise ValidationError("This event is no longer open.")
    if rsvp.status != Rsvp.Status.OFFERED or rsvp.offer_expires_at <= timezone.now():
        raise ValidationError(
            "This offer has lapsed and the seat went to the next person waiting."
        )
    rsvp.status = Rsvp.Status.YES
    rsvp.waitlist_position = None
    rsvp.offer_expires_at = None
    rsvp.responded_at = timezone.now()
    rsvp.save(
        update_fields=[
            "status",
            "waitlist_position",
            "offer_expires_at",
            "responded_at",
        ]
    )
    confirmation_send(rsvp)
    return rsvp


def offers_expire(*, now=None) -> int:
    """Beat: lapse unconfirmed offers and pass their seats down the waitlist."""
    now = now or timezone.now()
    lapsed = 0
    event_ids = (
        Rsvp.objects.filter(status=Rsvp.Status.OFFERED, offer_expires_at__lte=now)
        .values_list("event_id", flat=True)
        .distinct()
    )
    for event_id in list(event_ids):
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            lapsed += event.rsvps.filter(
                status=Rsvp.Status.OFFERED, offer_expires_at__lte=now
            ).update(
                status=Rsvp.Status.LAPSED,
                waitlist_position=None,
                offer_expires_at=None,
            )
            offer_free_seats(event)
    return lapsed


@transaction.atomic
def waitlist_move(*, rsvp: Rsvp, up: bool) -> None:
    """Organisers reorder the waitlist by hand: swap with the neighbour."""
    event = Event.objects.select_for_update().get(pk=rsvp.event_id)
    rsvp = Rsvp.objects.get(pk=rsvp.pk, status=Rsvp.Status.WAITLIST)
    queue = event.rsvps.filter(status=Rsvp.Status.WAITLIST)
    neighbour = (
        queue.filter(waitlist_position__lt=rsvp.waitlist_position)
        .order_by("-waitlist_position")
        .first()
        if up
        else queue.filter(waitlist_position__gt=rsvp.waitlist_position)
        .order_by("waitlist_position")
        .first()
    )
    if neighbour is None:
        return
    rsvp.waitlist_position, neighbour.waitlist_position = (
        neighbour.waitlist_position,
        rsvp.waitlist_position,
    )
    Rsvp.objects.bulk_update([rsvp, neighbour], ["waitlist_position"])


def as_of_today(member: Member) -> dict[str, str]:
    """The member's groupings for GME's report, as they are right now."""
    return {
        "training_stage": member.training_stage,
        "visa_status": member.visa_status,
    }
