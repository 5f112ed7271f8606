"""Events: announcing, RSVPs with capacity and a waitlist, reminders, check-in,
feedback and GME's report. Every write is here; views and tasks call these.

Capacity holds under concurrency because every change to who holds a seat locks
the event row first (SELECT … FOR UPDATE): two members taking the last seat at the
same moment are served one after the other, and one RSVP row per member and event
(a unique constraint) makes a double click one answer."""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from events.models import (
    Attendance,
    CalendarFeed,
    Event,
    Feedback,
    Panelist,
    ReminderRule,
    ReminderSent,
    Rsvp,
)
from imgportal.markdown import render_markdown
from members.models import Member, User
from newsletters import services as newsletter_services
from newsletters.models import Newsletter
from notifications import selectors as notification_selectors
from notifications.models import Category
from notifications.outbox import email_members, email_queue_template

OFFER_HOURS = 24
DEFAULT_REMINDERS = (
    (24 * 60, "Reminder: {title} is tomorrow"),
    (60, "Starting in an hour: {title}"),
)
CHECKIN_OPENS = timedelta(hours=2)  # before the start
CHECKIN_CLOSES = timedelta(hours=3)  # after the end
FEEDBACK_AFTER = timedelta(hours=1)  # after the end
FEEDBACK_WINDOW = timedelta(days=14)
OFFER_SALT = "events.offer"


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- Audience -------------------------------------------------------------------


def audience_members(event: Event) -> QuerySet[Member]:
    return notification_selectors.audience_members(event.audience)


def in_audience(event: Event, member: Member) -> bool:
    return audience_members(event).filter(pk=member.pk).exists()


# --- Creating, changing, publishing, cancelling ----------------------------------


def _validate(event: Event) -> None:
    errors: dict[str, list[str]] = {}
    if not event.title.strip():
        errors["title"] = ["Give the event a title."]
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        errors["ends_at"] = ["The end must be after the start."]
    if (
        event.rsvp_deadline
        and event.starts_at
        and event.rsvp_deadline > event.starts_at
    ):
        errors["rsvp_deadline"] = ["The RSVP deadline must be before the start."]
    if event.pk and event.capacity is not None:
        taken = seats_taken(event)
        if event.capacity < taken:
            errors["capacity"] = [
                f"{taken} seats are already taken (guests included): the capacity "
                f"can't go below that."
            ]
    if event.funding == Event.Funding.OTHER and not event.funding_source.strip():
        errors["funding_source"] = ["Say where the money comes from."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_save(
    *,
    event: Event,
    by: User,
    panelists: list[tuple[str, str]] | None = None,
    organisers: list[Member] | None = None,
) -> Event:
    """Create or change an event; a published one's people hear about what moved."""
    before = None
    if event.pk:
        before = Event.objects.select_for_update().get(pk=event.pk)
        moved = (before.starts_at, before.ends_at) != (event.starts_at, event.ends_at)
        if before.status == Event.Status.CANCELLED and moved:
            raise ValidationError(
                {
                    "starts_at": [
                        "This event was cancelled, so it can't be moved (nobody "
                        "would hear of it): create a new event for the new date."
                    ]
                }
            )
    _validate(event)
    event.description_html = render_markdown(event.description)
    event.updated_at = timezone.now()
    if before is None:
        event.created_by = by
        event.save()
        ReminderRule.objects.bulk_create(
            ReminderRule(event=event, minutes_before=minutes, subject=subject)
            for minutes, subject in DEFAULT_REMINDERS
        )
    elif not _changed_fields(before, event):
        pass  # an unchanged save: no new calendar sequence, nothing to tell
    else:
        moved = _what_moved(before, event)
        if before.status != Event.Status.DRAFT:
            event.sequence = before.sequence + 1
        event.save()
        if moved and event.status == Event.Status.PUBLISHED:
            _tell_those_going(event, "changed", moved=moved)
        if event.capacity is None or (
            before.capacity is not None and event.capacity > before.capacity
        ):
            _offer_free_seats(event)
    if panelists is not None:
        event.panelists.all().delete()
        Panelist.objects.bulk_create(
            Panelist(event=event, name=name, title=title, order=index)
            for index, (name, title) in enumerate(panelists)
            if name.strip()
        )
    if organisers is not None:
        event.organisers.set(organisers)
    return event


BOOKKEEPING_FIELDS = {"updated_at", "sequence", "description_html"}


def _changed_fields(before: Event, after: Event) -> list[str]:
    return [
        f.attname
        for f in Event._meta.concrete_fields
        if f.attname not in BOOKKEEPING_FIELDS
        and getattr(before, f.attname) != getattr(after, f.attname)
    ]


def _what_moved(before: Event, after: Event) -> list[str]:
    moved = []
    if before.starts_at != after.starts_at or before.ends_at != after.ends_at:
        moved.append("time")
    if before.place != after.place:
        moved.append("place")
    if before.online_url != after.online_url:
        moved.append("online link")
    return moved


@transaction.atomic
def event_publish(*, event: Event, by: User) -> Event:
    """Publish a draft and email its audience (through the newsletter delivery)."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.DRAFT:
        raise ValidationError("Only a draft can be published.")
    if event.has_started():
        raise ValidationError("This event has already started: change its time first.")
    counts = notification_selectors.audience_counts(
        event.audience, Category.EVENT_ANNOUNCEMENTS
    )
    if counts["matching"] == 0:
        raise ValidationError(
            "This audience matches no active member: widen it before publishing."
        )
    event.status = Event.Status.PUBLISHED
    event.published_at = timezone.now()
    event.save(update_fields=["status", "published_at"])
    if counts["recipients"]:
        announcement = newsletter_services.newsletter_save(
            newsletter=Newsletter(
                subject=f"New event: {event.title}",
                body=_announcement_body(event),
                audience=event.audience,
                category=Category.EVENT_ANNOUNCEMENTS,
            ),
            by=by,
        )
        newsletter_services.newsletter_send_now(newsletter=announcement, by=by)
        event.announcement = announcement
        event.save(update_fields=["announcement"])
    return event


def _announcement_body(event: Event) -> str:
    where = event.place or ("Online" if event.online_url else "To be announced")
    lines = [
        f"**{event.get_kind_display()}** · {event.when_text()}",
        "",
        f"**Where:** {where}",
        "",
        event.description,
        "",
        "[See the event and say whether you're coming]"
        f"({_site(event.get_absolute_url())})",
    ]
    if event.rsvp_deadline:
        deadline = timezone.localtime(event.rsvp_deadline)
        lines.insert(3, f"**RSVP by:** {deadline:%A %-d %B %Y, %H:%M}\n")
    return "\n".join(lines)


@transaction.atomic
def event_cancel(*, event: Event, by: User) -> Event:
    """Cancel; everyone going, offered a seat or waiting hears about it."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        return event
    if event.has_ended():
        raise ValidationError("This event is over; it can't be cancelled.")
    was_published = event.status == Event.Status.PUBLISHED
    event.status = Event.Status.CANCELLED
    event.cancelled_at = timezone.now()
    event.sequence += 1
    event.updated_at = event.cancelled_at
    event.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    if was_published:
        _tell_those_going(event, "cancelled", include_waitlist=True)
    return event


def _tell_those_going(
    event: Event, what: str, *, moved=(), include_waitlist: bool = False
) -> None:
    """Changes and cancellations go to the people concerned as account mail:
    they answered this event, so it is not a newsletter they can turn off."""
    statuses = [*Rsvp.SEATED]
    if include_waitlist:
        statuses.append(Rsvp.Status.WAITLIST)
    going = set(
        event.rsvps.filter(status=Rsvp.Status.YES).values_list("member_id", flat=True)
    )
    attachments = {
        yes: [ics_attachment(event, show_online=yes)] for yes in (True, False)
    }
    email_members(
        Member.objects.filter(
            rsvps__event=event, rsvps__status__in=statuses
        ).select_related("user"),
        key=f"event-{what}:{event.pk}:{event.sequence}",
        template_prefix=f"events/email/event_{what}",
        context={
            "event": event,
            "moved": ", ".join(moved),
            "when": event.when_text(),
            "event_url": _site(event.get_absolute_url()),
        },
        per_member=lambda member: {"show_online": member.pk in going},
        attachments=lambda member: attachments[member.pk in going],
    )


# --- RSVPs, capacity and the waitlist -------------------------------------------


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
def rsvp_yes(*, event: Event, member: Member, guests: int = 0) -> Rsvp:
    """Take a seat, or a waitlist place when the event is full."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if reason := _closed_reason(event, member):
        raise ValidationError(reason)
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
    rsvp = Rsvp.objects.filter(event=event, member=member).first()
    now = timezone.now()
    if rsvp is not None and rsvp.status in Rsvp.SEATED:
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
            _offer_free_seats(event)
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
    freed = rsvp.status in Rsvp.SEATED
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
        _offer_free_seats(event)
    return rsvp


def _offer_free_seats(event: Event) -> list[Rsvp]:
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
                "confirm_url": _site(reverse("events:offer", args=[offer_token(rsvp)])),
                "event_url": _site(event.get_absolute_url()),
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
            _offer_free_seats(event)
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


# --- Calendars ------------------------------------------------------------------


def ics_attachment(event: Event, *, show_online: bool) -> dict:
    from events.ics import event_calendar

    return {
        "filename": f"event-{event.pk}.ics",
        "content": event_calendar(
            [event], show_online_for={event.pk} if show_online else set()
        ).decode(),
        "mimetype": "text/calendar",
    }


def calendar_feed_for(member: Member) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(
        member=member, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


def calendar_feed_reset(member: Member) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    feed = calendar_feed_for(member)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed


def calendar_private_feed_set(member: Member, *, on: bool, new: bool = False):
    """Turn the private deadlines address on (keeping it if it is on, or a new
    one with `new`) or off (the address stops working at once)."""
    feed = calendar_feed_for(member)
    if on and (new or not feed.private_token):
        feed.private_token = secrets.token_urlsafe(32)
    elif not on:
        feed.private_token = None
    feed.save(update_fields=["private_token"])
    return feed


# --- Reminders ------------------------------------------------------------------


@transaction.atomic
def reminders_set(*, event: Event, rules: list[tuple[int, str]]) -> None:
    """Replace the event's reminders (minutes before the start, subject)."""
    minutes = [m for m, _ in rules]
    if len(set(minutes)) != len(minutes):
        raise ValidationError("Two reminders at the same time: keep one.")
    event.reminders.all().delete()
    ReminderRule.objects.bulk_create(
        ReminderRule(event=event, minutes_before=m, subject=s) for m, s in rules
    )
    Event.objects.filter(pk=event.pk).update(updated_at=timezone.now())


def _due_rules(now) -> QuerySet[ReminderRule]:
    offset = ExpressionWrapper(
        F("minutes_before") * timedelta(minutes=1), output_field=DurationField()
    )
    return (
        ReminderRule.objects.annotate(
            due=ExpressionWrapper(
                F("event__starts_at") - offset, output_field=DateTimeField()
            )
        )
        .filter(
            event__status=Event.Status.PUBLISHED,
            event__starts_at__gt=now,
            due__lte=now,
            # A reminder that was already due when the event was published is
            # left out: the announcement just told them.
            due__gte=F("event__published_at"),
        )
        .select_related("event")
    )


def reminders_send_due(*, now=None) -> int:
    """Beat, every minute: queue each due reminder once per person and offset.

    The outbox key names the rule, the member and the start time, so beat firing
    twice or a worker restarting queues nothing new, and moving the event gives
    the new time its own reminders."""
    now = now or timezone.now()
    started = timezone.now()
    queued = 0
    for rule in _due_rules(now):
        event = rule.event
        due = rule.due_at()
        attachment = ics_attachment(event, show_online=True)
        going = event.rsvps.filter(
            status=Rsvp.Status.YES, responded_at__lte=due
        ).select_related("member__user")
        sent = {
            r.member_id: r
            for r in ReminderSent.objects.filter(
                event=event, minutes_before=rule.minutes_before
            )
        }
        for rsvp in going:
            earlier = sent.get(rsvp.member_id)
            if earlier is not None and earlier.still_true_for(event.starts_at):
                continue
            with transaction.atomic():
                ReminderSent.objects.update_or_create(
                    event=event,
                    member_id=rsvp.member_id,
                    minutes_before=rule.minutes_before,
                    defaults={"for_starts_at": event.starts_at, "sent_at": now},
                )
                email = _queue_reminder(rule, rsvp, attachment)
            queued += email.created_at >= started
    return queued


def _queue_reminder(rule: ReminderRule, rsvp: Rsvp, attachment):
    event = rule.event
    return email_queue_template(
        key=f"event-reminder:{event.pk}:{rule.minutes_before}:"
        f"{rsvp.member_id}:{int(event.starts_at.timestamp())}",
        to=rsvp.member.user.email,
        template_prefix="events/email/reminder",
        context={
            "event": event,
            "rule": rule,
            "subject": rule.subject_for(event),
            "member": rsvp.member,
            "when": event.when_text(),
            "event_url": _site(event.get_absolute_url()),
        },
        member=rsvp.member,
        category=Category.EVENT_REMINDERS,
        stale_check={
            "kind": "event_reminder",
            "event_id": event.pk,
            "member_id": rsvp.member_id,
            "starts_at": event.starts_at.isoformat(),
            "window_minutes": rule.minutes_before,
        },
        attachments=[attachment],
    )


def reminder_still_true(
    *, event_id: int, member_id: int, starts_at: str, window_minutes: int = 0
) -> bool:
    """At send time: still published, starting within the reminder's own window
    of the time it names (the same tolerance that keeps it from being sent
    again, so a small move neither repeats nor loses it), and still going."""
    named = datetime.fromisoformat(starts_at)
    window = timedelta(minutes=window_minutes)
    return Event.objects.filter(
        pk=event_id,
        status=Event.Status.PUBLISHED,
        starts_at__gte=named - window,
        starts_at__lte=named + window,
        rsvps__member_id=member_id,
        rsvps__status=Rsvp.Status.YES,
    ).exists()


def event_nudge(*, event: Event, by: User) -> int:
    """Remind the audience members who haven't answered (once a day at most)."""
    if event.status != Event.Status.PUBLISHED or not event.rsvps_open():
        raise ValidationError("RSVPs for this event are closed.")
    members = notification_selectors.recipients(
        audience_members(event).exclude(rsvps__event=event), Category.EVENT_REMINDERS
    )
    today = timezone.localdate().isoformat()
    with transaction.atomic():
        return email_members(
            members,
            key=lambda member: f"event-nudge:{event.pk}:{member.pk}:{today}",
            template_prefix="events/email/nudge",
            context={
                "event": event,
                "when": event.when_text(),
                "event_url": _site(event.get_absolute_url()),
            },
            category=Category.EVENT_REMINDERS,
            stale_check={"kind": "event_open", "event_id": event.pk},
        )


def event_still_open(*, event_id: int) -> bool:
    event = Event.objects.filter(pk=event_id).first()
    return event is not None and event.rsvps_open()


# --- Check-in -------------------------------------------------------------------


def as_of_today(member: Member) -> dict[str, str]:
    """The member's groupings for GME's report, as they are right now."""
    return {
        "training_stage": member.training_stage,
        "visa_status": member.visa_status,
    }


def _guests_checked(event: Event, guests: int | None, rsvp: Rsvp | None) -> int:
    if guests is None:
        return rsvp.guests if rsvp is not None and rsvp.status in Rsvp.SEATED else 0
    if not 0 <= guests <= event.guests_allowed:
        raise ValidationError(
            {
                "guests": [
                    f"This event allows up to {event.guests_allowed} "
                    f"guest{'s' if event.guests_allowed != 1 else ''} per member."
                    if event.guests_allowed
                    else "This event is for members only."
                ]
            }
        )
    return guests


def _attendance_record(
    *, event: Event, member: Member, method: str, guests: int | None
) -> Attendance:
    rsvp = Rsvp.objects.filter(event=event, member=member).first()
    guests = _guests_checked(event, guests, rsvp)
    attendance = Attendance.objects.filter(event=event, member=member).first()
    if attendance is None:
        attendance, created = Attendance.objects.get_or_create(
            event=event,
            member=member,
            defaults={"method": method, "guests": guests, **as_of_today(member)},
        )
        if created:
            return attendance
    if attendance.guests != guests:
        attendance.guests = guests
        attendance.save(update_fields=["guests"])
    return attendance


def attendance_mark(
    *, event: Event, member: Member, by: User, guests: int | None = None
) -> Attendance:
    """An organiser marks someone present, with the guests who came (their
    RSVP's guests unless told otherwise); a second tap changes nothing but the
    guest count. Their stage and visa status of today go with it."""
    return _attendance_record(
        event=event, member=member, method=Attendance.Method.ORGANISER, guests=guests
    )


def attendance_unmark(*, event: Event, member: Member, by: User) -> None:
    Attendance.objects.filter(event=event, member=member).delete()


def checkin_with_code(
    *, event: Event, member: Member, code: str, guests: int | None = None
) -> Attendance:
    """A member checks in with the code shown in the room (and their guests)."""
    now = timezone.now()
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError({"code": ["This event isn't running."]})
    if now < event.starts_at - CHECKIN_OPENS:
        raise ValidationError({"code": ["Check-in opens two hours before the start."]})
    if now > event.ends_at + CHECKIN_CLOSES:
        raise ValidationError({"code": ["Check-in for this event has closed."]})
    if code.strip().upper() != event.checkin_code:
        raise ValidationError({"code": ["That code isn't right for this event."]})
    return _attendance_record(
        event=event, member=member, method=Attendance.Method.CODE, guests=guests
    )


# --- Feedback -------------------------------------------------------------------


def feedback_requests_send(*, now=None) -> int:
    """Beat: after an event, ask each attendee once for a rating and comment."""
    now = now or timezone.now()
    queued = 0
    due = Event.objects.filter(
        status=Event.Status.PUBLISHED,
        feedback_requested_at__isnull=True,
        ends_at__lte=now - FEEDBACK_AFTER,
        ends_at__gte=now - FEEDBACK_WINDOW,
    )
    for event in due:
        with transaction.atomic():
            claimed = Event.objects.filter(
                pk=event.pk, feedback_requested_at__isnull=True
            ).update(feedback_requested_at=now)
            if not claimed:
                continue
            queued += email_members(
                Member.objects.filter(attendances__event=event).select_related("user"),
                key=f"event-feedback:{event.pk}",
                template_prefix="events/email/feedback_request",
                context={
                    "event": event,
                    "feedback_url": _site(reverse("events:feedback", args=[event.pk])),
                },
                category=Category.EVENT_REMINDERS,
            )
    return queued


def feedback_submit(
    *, event: Event, member: Member, rating: int, comment: str
) -> Feedback:
    """An attendee's rating (1–5) and comment; sending again replaces it."""
    if not event.has_ended():
        raise ValidationError("Feedback opens when the event is over.")
    if not Attendance.objects.filter(event=event, member=member).exists():
        raise ValidationError("Only people who came can give feedback.")
    feedback, _ = Feedback.objects.update_or_create(
        event=event,
        member=member,
        defaults={"rating": rating, "comment": comment, "submitted_at": timezone.now()},
    )
    return feedback


def feedback_summary(event: Event) -> dict:
    rows = event.feedback.aggregate(count=Count("pk"), total=Sum("rating"))
    by_rating = dict(
        event.feedback.values_list("rating").annotate(n=Count("pk")).order_by()
    )
    count = rows["count"]
    return {
        "count": count,
        "average": round(rows["total"] / count, 1) if count else None,
        "by_rating": [(r, by_rating.get(r, 0)) for r in range(5, 0, -1)],
        "comments": list(
            event.feedback.exclude(comment="")
            .order_by("-submitted_at")
            .values_list("rating", "comment")
        ),
    }


# --- GME's report ---------------------------------------------------------------


def academic_year_bounds(year: int):
    tz = timezone.get_current_timezone()
    start = datetime(year, 7, 1, tzinfo=tz)
    end = datetime(year + 1, 7, 1, tzinfo=tz)
    return start, end


def _per_event(rows, value_field: str) -> dict[int, int]:
    return dict(rows.values_list("event").annotate(n=value_field).order_by())


def _grouped(rows, field: str) -> dict[str, int]:
    """Members per stage (or visa status), plus their guests under "guests"."""
    counts = dict(rows.values_list(field).annotate(n=Count("pk")).order_by())
    counts["guests"] = rows.aggregate(n=Coalesce(Sum("guests"), 0))["n"]
    return counts


def _breakdown(choices, came: dict, going: dict) -> list[tuple[str, int, int]]:
    labelled = [*choices, ("", "Not given"), ("guests", "Guests (not members)")]
    return [
        (label, came.get(value, 0), going.get(value, 0))
        for value, label in labelled
        if came.get(value) or going.get(value)
    ]


def gme_report(*, year: int, now=None) -> dict:
    """What GME's money bought in one academic year, from what was true on the
    day: attendees are grouped by the stage and visa status they had when they
    came (or said yes), so a rollover changes no past figure. Guests count as
    attendees. A fixed number of queries."""
    now = now or timezone.now()
    start, end = academic_year_bounds(year)
    events = list(
        Event.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Event.Status.DRAFT)
        .order_by("starts_at")
    )
    ids = [e.pk for e in events]
    said_yes = Rsvp.objects.filter(event__in=ids, status=Rsvp.Status.YES)
    came = Attendance.objects.filter(event__in=ids)
    going_by_event = _per_event(said_yes, Sum(F("guests") + 1))
    came_by_event = _per_event(came, Sum(F("guests") + 1))
    rows = []
    totals = {
        "events": 0,
        "gme_events": 0,
        "budget": Decimal(0),
        "spent": Decimal(0),
        "past_events": 0,
        "past_going": 0,
        "attended": 0,
        "upcoming_events": 0,
        "upcoming_going": 0,
    }
    costed_spent, costed_attended = Decimal(0), 0
    for event in events:
        going = going_by_event.get(event.pk, 0)
        attended = came_by_event.get(event.pk, 0)
        cost = event.actual_cost
        past = event.has_ended(now)
        cancelled = event.status == Event.Status.CANCELLED
        rows.append(
            {
                "event": event,
                "past": past,
                "going": going,
                "attended": attended if past or attended else None,
                "cost_per_attendee": (cost / attended).quantize(Decimal("0.01"))
                if cost is not None and attended
                else None,
            }
        )
        totals["events"] += 1
        if cancelled:
            continue
        if event.funding == Event.Funding.GME:
            totals["gme_events"] += 1
            totals["budget"] += event.budget or 0
            totals["spent"] += cost or 0
            if past and cost is not None:
                costed_spent += cost
                costed_attended += attended
        if past:
            totals["past_events"] += 1
            totals["past_going"] += going
            totals["attended"] += attended
        else:
            totals["upcoming_events"] += 1
            totals["upcoming_going"] += going
    totals["cost_per_attendee"] = (
        (costed_spent / costed_attended).quantize(Decimal("0.01"))
        if costed_attended
        else None
    )
    live = ~Q(event__status=Event.Status.CANCELLED)
    came_live = came.filter(live, event__ends_at__lte=now)
    going_upcoming = said_yes.filter(live, event__ends_at__gt=now)
    return {
        "year": year,
        "label": f"{year}–{str(year + 1)[2:]}",
        "rows": rows,
        "totals": totals,
        "by_stage": _breakdown(
            Member.TrainingStage.choices,
            _grouped(came_live, "training_stage"),
            _grouped(going_upcoming, "training_stage"),
        ),
        "by_visa": _breakdown(
            Member.VisaStatus.choices,
            _grouped(came_live, "visa_status"),
            _grouped(going_upcoming, "visa_status"),
        ),
    }
