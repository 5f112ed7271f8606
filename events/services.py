"""Events: creating, publishing and cancelling, calendars and reminders. Every
write is here or in its neighbours (`rsvps.py`: answers, capacity, waitlist and
offers; `attendance.py`: check-in and feedback); views and tasks call these.

Capacity holds under concurrency because every change to who holds a seat locks
the event row first (SELECT … FOR UPDATE): two members taking the last seat at the
same moment are served one after the other, and one RSVP row per member and event
(a unique constraint) makes a double click one answer."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    QuerySet,
)
from django.utils import timezone

from events import rsvps, series
from events.models import (
    CalendarFeed,
    Event,
    EventSeries,
    Panelist,
    ReminderRule,
    ReminderSent,
    Rsvp,
)
from imgportal.links import absolute_url
from imgportal.markdown import render_markdown
from members.actions import record
from members.models import Member, User
from newsletters import services as newsletter_services
from newsletters.models import Newsletter
from notifications import selectors as notification_selectors
from notifications.models import Category
from notifications.outbox import email_members, email_queue_template

DEFAULT_REMINDERS = (
    (24 * 60, "Reminder: {title} is tomorrow"),
    (60, "Starting in an hour: {title}"),
)


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
        taken = rsvps.seats_taken(event)
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
        record(actor=by, verb="created", target=event)
        ReminderRule.objects.bulk_create(
            ReminderRule(event=event, minutes_before=minutes, subject=subject)
            for minutes, subject in DEFAULT_REMINDERS
        )
    elif not _changed_fields(before, event):
        pass  # an unchanged save: no new calendar sequence, nothing to tell
    else:
        moved = _what_moved(before, event)
        record(
            actor=by,
            verb="changed",
            target=event,
            fields=[_field_label(name) for name in _changed_fields(before, event)],
        )
        if before.status != Event.Status.DRAFT:
            event.sequence = before.sequence + 1
        event.save()
        if moved and event.status == Event.Status.PUBLISHED:
            _tell_those_going(event, "changed", moved=moved)
        if event.capacity is None or (
            before.capacity is not None and event.capacity > before.capacity
        ):
            rsvps.offer_free_seats(event)
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


def _field_label(attname: str) -> str:
    field = next(f for f in Event._meta.concrete_fields if f.attname == attname)
    return str(field.verbose_name)


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
def event_publish(*, event: Event, by: User, series_dates: bool = False) -> Event:
    """Publish a draft and email its audience (through the newsletter delivery).

    A date of a series is announced once for the whole series: the first
    publish of any of its dates sends one email naming every date published
    with it (`series_dates`: the series' other drafts still to come, with the
    same audience); publishing more of its dates later sends none. The dates
    published are on the returned event's `published_dates`."""
    if event.series_id:
        # The series first (then the dates): one publish of a series at a
        # time, so two dates published at once still make one announcement.
        list(
            EventSeries.objects.select_for_update()
            .filter(pk=event.series_id)
            .values_list("pk", flat=True)
        )
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
    plan = series.publish_plan(event, all_dates=series_dates, lock=True)
    now = timezone.now()
    for date in plan.dates:
        date.status = Event.Status.PUBLISHED
        date.published_at = now
        date.save(update_fields=["status", "published_at"])
        record(actor=by, verb="published", target=date)
    if plan.announce and counts["recipients"]:
        announcement = newsletter_services.newsletter_save(
            newsletter=announcement_draft(event, dates=plan.dates), by=by
        )
        newsletter_services.newsletter_send_now(newsletter=announcement, by=by)
        event.announcement = announcement
        event.save(update_fields=["announcement"])
    event.published_dates = plan.dates
    return event


def announcement_draft(event: Event, dates: list[Event] | None = None) -> Newsletter:
    """The announcement publishing sends (unsaved): also its email preview.
    With several `dates` of a series, one email naming them all."""
    dates = dates or [event]
    body = _announcement_body(event, dates)
    return Newsletter(
        subject=f"New event: {event.title}"
        if len(dates) == 1
        else f"New event series: {event.title} ({len(dates)} dates)",
        body=body,
        body_html=render_markdown(body),
        audience=event.audience,
        category=Category.EVENT_ANNOUNCEMENTS,
    )


def _announcement_body(event: Event, dates: list[Event]) -> str:
    where = event.place or ("Online" if event.online_url else "To be announced")
    if len(dates) > 1:
        return "\n".join(
            [
                f"**{event.get_kind_display()}** · {len(dates)} dates, the first "
                f"{event.when_text()}",
                "",
                f"**Where:** {where}",
                "",
                event.description,
                "",
                "**The dates** (each has its own seats: say whether you're "
                "coming on each date's page):",
                "",
                *(
                    f"- [{date.when_text()}]({absolute_url(date.get_absolute_url())})"
                    for date in dates
                ),
            ]
        )
    lines = [
        f"**{event.get_kind_display()}** · {event.when_text()}",
        "",
        f"**Where:** {where}",
        "",
        event.description,
        "",
        "[See the event and say whether you're coming]"
        f"({absolute_url(event.get_absolute_url())})",
    ]
    if event.series_id:
        lines += [
            "",
            "This is one date of a series: its later dates appear on the "
            "portal's calendar as they are published, without another email.",
        ]
    if event.rsvp_deadline:
        deadline = timezone.localtime(event.rsvp_deadline)
        lines.insert(3, f"**RSVP by:** {deadline:%a %-d %b %Y, %H:%M}\n")
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
    record(actor=by, verb="cancelled", target=event)
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
    if what == "cancelled":
        # Each recipient's own METHOD:CANCEL (RFC 5546 names the attendee), so
        # the calendar program that holds the event removes it.
        def attachments_for(member):
            return [
                ics_attachment(
                    event,
                    show_online=False,
                    method="CANCEL",
                    attendee=member.user.email,
                )
            ]
    else:
        attachments = {
            yes: [ics_attachment(event, show_online=yes)] for yes in (True, False)
        }

        def attachments_for(member):
            return attachments[member.pk in going]

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
            "event_url": absolute_url(event.get_absolute_url()),
        },
        per_member=lambda member: {"show_online": member.pk in going},
        attachments=attachments_for,
    )


def ics_attachment(
    event: Event, *, show_online: bool, method: str = "PUBLISH", attendee=None
) -> dict:
    from events.ics import event_calendar

    return {
        "filename": f"event-{event.pk}.ics",
        "content": event_calendar(
            [event],
            show_online_for={event.pk} if show_online else set(),
            method=method,
            attendee=attendee,
        ).decode(),
        # The method parameter tells mail programs it is an iTIP message to
        # apply (RFC 6047), not a file to open.
        "mimetype": "text/calendar"
        if method == "PUBLISH"
        else f"text/calendar; method={method}",
    }


def calendar_alarm_for(member: Member) -> int | None:
    """The member's calendar alarm, in minutes (the default until they choose)."""
    chosen = CalendarFeed.objects.filter(member=member).values_list(
        "alarm_minutes", flat=True
    )[:1]
    return next(iter(chosen), CalendarFeed._meta.get_field("alarm_minutes").default)


def calendar_alarm_set(member: Member, minutes: int | None) -> CalendarFeed:
    feed = calendar_feed_for(member)
    if feed.alarm_minutes != minutes:
        feed.alarm_minutes = minutes
        feed.save(update_fields=["alarm_minutes"])
    return feed


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
            "event_url": absolute_url(event.get_absolute_url()),
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


@dataclass(frozen=True)
class Nudged:
    queued: int  # reminded now
    earlier: int  # already reminded today: not again


def event_nudge(*, event: Event, by: User) -> Nudged:
    """Remind the audience members who haven't answered (once a day at most)."""
    if event.status != Event.Status.PUBLISHED or not event.rsvps_open():
        raise ValidationError("RSVPs for this event are closed.")
    members = list(
        notification_selectors.recipients(
            rsvps.audience_members(event).exclude(rsvps__event=event),
            Category.EVENT_REMINDERS,
        ).select_related("user")
    )
    today = timezone.localdate().isoformat()

    def key(member) -> str:
        return f"event-nudge:{event.pk}:{member.pk}:{today}"

    earlier = notification_selectors.keys_queued([key(m) for m in members])
    members = [m for m in members if key(m) not in earlier]
    with transaction.atomic():
        queued = email_members(
            members,
            key=key,
            template_prefix="events/email/nudge",
            context={
                "event": event,
                "when": event.when_text(),
                "event_url": absolute_url(event.get_absolute_url()),
            },
            category=Category.EVENT_REMINDERS,
            stale_check={"kind": "event_open", "event_id": event.pk},
        )
        record(actor=by, verb="nudged", target=event, count=queued)
    return Nudged(queued=queued, earlier=len(earlier))


def event_still_open(*, event_id: int) -> bool:
    event = Event.objects.filter(pk=event_id).first()
    return event is not None and event.rsvps_open()
