"""Writes to a member's own tracker, its reminders, and the anonymous totals."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members.models import Member, active_q
from notifications.models import Category
from notifications.outbox import email_queue_template
from tracker import rules
from tracker.models import ChecklistTick, TrackedDocument, TrackerSettings, Trip


def document_check(*, member: Member, kind: str, starts_on, on, d_s: bool) -> None:
    errors = {}
    if kind not in rules.kinds_for(member.visa_status):
        errors["kind"] = (
            "This document does not fit your visa status "
            f"({member.get_visa_status_display() or 'not set'}): update your profile "
            "if your status changed."
        )
    if d_s and kind != rules.Kind.I94:
        errors["duration_of_status"] = "Only an I-94 can say D/S."
    if on is None and not d_s:
        errors["on"] = "Enter the date."
    today = timezone.localdate()
    limit = today.replace(year=today.year + rules.MAX_YEARS_AHEAD)
    for field, value in (("on", on), ("starts_on", starts_on)):
        if value and value > limit:
            errors[field] = (
                f"That is more than {rules.MAX_YEARS_AHEAD} years away: check the year."
            )
        if value and value < today.replace(year=today.year - 30):
            errors[field] = "That is more than 30 years ago: check the year."
    if on and starts_on and on < starts_on:
        errors["on"] = "This date is before the 'valid from' date: check both."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def document_save(*, document: TrackedDocument) -> TrackedDocument:
    """Add or change one of the member's own documents."""
    document_check(
        member=document.member,
        kind=document.kind,
        starts_on=document.starts_on,
        on=document.on,
        d_s=document.duration_of_status,
    )
    if document.duration_of_status:
        document.on = None
    duplicate = (
        TrackedDocument.objects.filter(member=document.member, kind=document.kind)
        .exclude(pk=document.pk)
        .exclude(kind=rules.Kind.APPOINTMENT)
    )
    if duplicate.exists():
        raise ValidationError(
            {"kind": "You already track this document: edit the one you have."}
        )
    document.updated_at = timezone.now()
    document.save()
    return document


def trip_check(*, leaves_on, returns_on) -> None:
    errors = {}
    if leaves_on and returns_on and returns_on < leaves_on:
        errors["returns_on"] = "You come back before you leave: check the dates."
    today = timezone.localdate()
    if leaves_on and leaves_on > today.replace(year=today.year + 5):
        errors["leaves_on"] = "That is more than 5 years away: check the year."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def trip_save(*, trip: Trip) -> Trip:
    """Add or change one of the member's planned trips."""
    trip_check(leaves_on=trip.leaves_on, returns_on=trip.returns_on)
    trip.save()
    return trip


def settings_for(member: Member) -> TrackerSettings:
    settings_row, _ = TrackerSettings.objects.get_or_create(member=member)
    return settings_row


def share_counts_set(*, member: Member, share: bool) -> TrackerSettings:
    row = settings_for(member)
    row.share_counts = share
    row.save(update_fields=["share_counts"])
    return row


def checklist_set(*, member: Member, step: str, done: bool) -> None:
    if step not in dict(rules.ARRIVAL_STEPS_BY_CODE):
        raise ValidationError("Unknown step.")
    if done:
        ChecklistTick.objects.get_or_create(member=member, step=step)
    else:
        ChecklistTick.objects.filter(member=member, step=step).delete()


def reminders_send(*, today=None) -> int:
    """Daily: queue each due reminder of a member's own dates, to that member only
    (once per document, date and lead time: the outbox key)."""
    today = today or timezone.localdate()
    horizon = today + timedelta(
        days=max(max(k.reminders) for k in rules.KINDS.values())
    )
    signature_horizon = horizon - timedelta(days=rules.TRAVEL_SIGNATURE_VALID_DAYS)
    documents = (
        TrackedDocument.objects.filter(active_q("member__"))
        .filter(
            Q(on__gte=today, on__lte=horizon)
            | Q(kind=rules.Kind.TRAVEL_SIGNATURE, on__lte=signature_horizon)
        )
        .select_related("member__user")
    )
    queued = 0
    for document in documents:
        lead = rules.reminder_due(document.kind, document.on, today)
        if lead is None:
            continue
        with transaction.atomic():
            email_queue_template(
                key=f"status-reminder:{document.pk}:{document.on}:{lead}",
                to=document.member.user.email,
                template_prefix="tracker/email/reminder",
                context={
                    "member": document.member,
                    "document": document,
                    "info": document.info,
                    "deadline": document.deadline,
                    "days": (document.deadline - today).days,
                    "url": f"{settings.SITE_URL}/status/",
                },
                member=document.member,
                category=Category.STATUS_REMINDERS,
            )
        queued += 1
    return queued
