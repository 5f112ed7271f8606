"""Series fixes (issue 20, item 5, after the audit): repeat rules bounded to two
years ahead (no 500, no seconds of CPU), a series announced once however its
dates are published, and "this date or this and later dates" on the
registration questions and reminders pages."""

import time
from datetime import datetime, timedelta

import pytest
from dateutil import rrule as dateutil_rrule
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import rsvps, series, services
from events.models import Answer, Event, Question
from tests.conftest import client_for, confirm_fingerprint, page_text
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db

HORIZON = "A series can run up to 2 years ahead"


def _local(year, month, day, hour=18, minute=0):
    zone = timezone.get_current_timezone()
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def _event(start=None, **fields):
    start = start or _local(2027, 10, 14)  # a Thursday, the 2nd of October
    return EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), **fields)


# 1 and 2: rules that went far ahead (a 500) or walked to the year 9999.
SLOW_OR_FAR = [
    "FREQ=YEARLY;INTERVAL=7973;COUNT=2",
    "FREQ=DAILY;INTERVAL=1000000;COUNT=3",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",
    "FREQ=DAILY;BYMONTHDAY=31;BYMONTH=4;UNTIL=99991231T000000Z",
]


@pytest.mark.parametrize("rule", SLOW_OR_FAR)
def test_far_or_endless_rules_are_refused_beside_the_field_at_once(co_lead, rule):
    """The audit's rules, on a copy made for New Year's Eve: listed or created,
    each is refused beside the rule field (no 500, no date in 9999), and
    working that out takes a blink, not the seconds it took."""
    start = _local(2026, 12, 31, 19)
    began = time.monotonic()
    with pytest.raises(series.ValidationError) as refused:
        series.rule_dates(rule, start)
    took = time.monotonic() - began
    assert any(HORIZON in m for m in refused.value.message_dict["rrule"])
    assert took < 1, f"{rule} took {took:.1f} s"
    event = _event(start=start)
    client = client_for(co_lead)
    url = reverse("events:repeat", args=[event.pk])
    form = {"frequency": "weekly", "interval": "1", "count": "", "rrule": rule}
    for button in ("preview", "create"):
        response = client.post(url, {**form, button: "1"})
        assert response.status_code == 400
        errors = response.context["form"].errors["rrule"]
        assert any(HORIZON in e for e in errors), errors
        assert "Sun 31 Dec 2028" in page_text(response)  # by when to end it
        assert 'data-testid="series-dates"' not in page_text(response)
    assert Event.objects.count() == 1


def test_a_series_may_fill_two_years_but_not_a_date_more(co_lead):
    """Monthly for two years (25 dates, the last two years after the first)
    is fine; 26 is refused, saying by when it must end."""
    start = _local(2027, 1, 14)
    dates = series.rule_dates("FREQ=MONTHLY;COUNT=25", start)
    assert timezone.localtime(dates[-1]).date().isoformat() == "2029-01-14"
    with pytest.raises(series.ValidationError) as refused:
        series.rule_dates("FREQ=MONTHLY;COUNT=26", start)
    (message,) = refused.value.message_dict["rrule"]
    assert HORIZON in message and "14 Jan 2029" in message
    # The form's own choices say it beside the field they typed in.
    event = _event(start=start)
    response = client_for(co_lead).post(
        reverse("events:repeat", args=[event.pk]),
        {"frequency": "monthly_day", "interval": "12", "count": "4", "preview": "1"},
    )
    assert response.status_code == 400
    assert any(HORIZON in e for e in response.context["form"].errors["count"])


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;COUNT=12",
        "FREQ=WEEKLY;INTERVAL=2;UNTIL=20280301T000000Z",
        "FREQ=WEEKLY;BYDAY=TH,SA;COUNT=9",
        "FREQ=WEEKLY;WKST=SU;BYDAY=MO,TH;INTERVAL=2;COUNT=8",
        "FREQ=MONTHLY;BYDAY=2TH;COUNT=10",
        "FREQ=MONTHLY;BYDAY=TH;BYSETPOS=2;COUNT=10",
        "FREQ=MONTHLY;BYMONTHDAY=14;INTERVAL=3;COUNT=6",
        "FREQ=MONTHLY;BYMONTHDAY=14,-1;COUNT=9",
        "FREQ=YEARLY;COUNT=3",
        "FREQ=YEARLY;BYMONTH=10,11;BYDAY=2TH;COUNT=4",
        "FREQ=DAILY;INTERVAL=3;COUNT=20",
        "FREQ=DAILY;BYDAY=TH,FR;UNTIL=20271230T000000Z",
        "FREQ=DAILY;BYMONTH=10;COUNT=10",
    ],
)
def test_the_dates_are_the_ones_calendar_programs_read_from_the_rule(rule):
    """The bounded expansion gives what dateutil (and so the series' .ics read
    by calendar programs) gives for ordinary rules."""
    start = _local(2027, 10, 14)
    local = timezone.localtime(start)
    expected = [
        timezone.make_aware(d.replace(tzinfo=None))
        for d in dateutil_rrule.rrulestr(rule, dtstart=local)
    ]
    assert series.rule_dates(rule, start) == expected


@pytest.mark.parametrize(
    "rule, message",
    [
        ("FREQ=WEEKLY;BYHOUR=9;COUNT=3", "BYHOUR"),
        ("FREQ=MONTHLY;BYDAY=TH,2TH;COUNT=3", "not both"),
        ("FREQ=WEEKLY;INTERVAL=0;COUNT=3", "isn't a repeat rule"),
        ("FREQ=MONTHLY;BYMONTHDAY=32;COUNT=3", "isn't a repeat rule"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "isn't a repeat rule"),
    ],
)
def test_rules_the_portal_cannot_read_are_refused_with_the_reason(rule, message):
    with pytest.raises(series.ValidationError) as refused:
        series.rule_dates(rule, _local(2027, 10, 14))
    assert any(message in m for m in refused.value.message_dict["rrule"])


def test_a_copy_to_the_last_day_there_is_is_refused_not_a_500(co_lead):
    event = _event()
    response = client_for(co_lead).post(
        reverse("events:copy", args=[event.pk]), {"starts_at": "9999-12-31T23:00"}
    )
    assert response.status_code == 400
    assert "Choose a date between" in page_text(response)
    assert Event.objects.count() == 1


# 3: a draft series is announced once.


def _draft_series(n, co_lead, **fields):
    event = _event(status="draft", published_at=None, **fields)
    made = series.series_create(
        event=event, rule=f"FREQ=WEEKLY;COUNT={n}", by=co_lead.user
    )
    return list(Event.objects.filter(series=made).order_by("starts_at"))


def _announcements_to(member) -> list:
    return [
        m
        for m in mail.outbox
        if m.to == [member.user.email] and m.subject.startswith("New event")
    ]


def test_publishing_all_dates_of_a_series_sends_one_announcement_each(
    co_lead, django_capture_on_commit_callbacks
):
    audience = MemberFactory.create_batch(3)
    dates = _draft_series(4, co_lead, title="Journal club")
    client = client_for(co_lead)
    detail = page_text(client.get(dates[0].get_absolute_url()))
    assert "announced once" in detail
    url = reverse("events:action", args=[dates[0].pk])
    # Publish asks first: this date, or all four drafts.
    choice = client.post(url, {"action": "publish"})
    assert choice.status_code == 200
    page = page_text(choice)
    assert "This date only" in page and "All 4 draft dates" in page
    assert dates[0].status == "draft"
    confirm = client.post(url, {"action": "publish", "scope": "all"})
    page = page_text(confirm)
    assert "announcement goes to" in page and "4 dates" in page
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {
                "action": "publish",
                "scope": "all",
                "confirm_fingerprint": confirm_fingerprint(confirm),
            },
            follow=True,
        )
    assert "Published 4 dates" in page_text(done)
    assert {e.status for e in Event.objects.filter(series=dates[0].series)} == {
        "published"
    }
    for member in [*audience, co_lead]:
        (sent,) = _announcements_to(member)
        assert "Journal club" in sent.subject and "4 dates" in sent.subject
        for date in dates:
            assert date.get_absolute_url() in sent.body
    # The second time (a stale page): nothing to publish, nobody emailed again.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "publish", "scope": "all"}, follow=True)
    assert not mail.outbox


def test_a_later_date_of_an_announced_series_is_published_without_an_email(
    co_lead, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    dates = _draft_series(4, co_lead)
    client = client_for(co_lead)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_publish(event=dates[0], by=co_lead.user)
    (sent,) = _announcements_to(member)
    assert "later dates" in sent.body  # one date of a series, said so
    mail.outbox.clear()
    url = reverse("events:action", args=[dates[2].pk])
    choice = page_text(client.post(url, {"action": "publish"}))
    assert "already announced" in choice and "no email" in choice
    with django_capture_on_commit_callbacks(execute=True):
        page = page_text(
            client.post(url, {"action": "publish", "scope": "this"}, follow=True)
        )
    assert "no email" in page
    assert not mail.outbox
    statuses = [Event.objects.get(pk=e.pk).status for e in dates]
    assert statuses == ["published", "draft", "published", "draft"]
    # The service itself is idempotent the same way.
    with django_capture_on_commit_callbacks(execute=True):
        services.event_publish(event=dates[1], by=co_lead.user, series_dates=True)
    assert not mail.outbox
    assert {Event.objects.get(pk=e.pk).status for e in dates} == {"published"}


def test_the_announcement_preview_of_a_draft_series_is_the_email_publishing_sends(
    co_lead, django_capture_on_commit_callbacks
):
    """Before, the preview showed the single-date email even when publishing
    would send one email naming every draft date (or, for a series already
    announced, no email at all)."""
    dates = _draft_series(3, co_lead, title="Journal club")
    client = client_for(co_lead)
    preview_url = reverse("events:announcement_email", args=[dates[0].pk])
    page = page_text(client.get(preview_url))
    assert "New event series: Journal club (3 dates)" in page
    assert "This date only" in page
    raw = client.get(reverse("events:announcement_email_raw", args=[dates[0].pk]))
    for date in dates:
        assert date.get_absolute_url() in raw.content.decode()
    # The other choice publish offers: this date only, the single-date email.
    single = page_text(client.get(preview_url, {"dates": "this"}))
    assert "New event: Journal club" in single and "(3 dates)" not in single
    raw_single = client.get(
        reverse("events:announcement_email_raw", args=[dates[0].pk]),
        {"dates": "this"},
    ).content.decode()
    assert dates[2].get_absolute_url() not in raw_single
    # Odd input is the default, not a 500.
    assert client.get(preview_url, {"dates": "x' or 1=1"}).status_code == 200

    # Once the series is announced, a later date's preview says publishing it
    # sends no email and shows the one that went out.
    with django_capture_on_commit_callbacks(execute=True):
        services.event_publish(event=dates[0], by=co_lead.user)
    (sent,) = _announcements_to(co_lead)
    later = page_text(
        client.get(reverse("events:announcement_email", args=[dates[2].pk]))
    )
    assert "already announced" in later and "sends no email" in later
    assert sent.subject in later


# 4: questions and reminders for this date, or this and later dates.


def _series(n, co_lead):
    event = _event()
    made = series.series_create(
        event=event, rule=f"FREQ=WEEKLY;COUNT={n}", by=co_lead.user
    )
    return list(Event.objects.filter(series=made).order_by("starts_at"))


def _questions_form(event, new: dict | None = None, delete=(), apply_to=None):
    questions = list(event.questions.all())
    data = {
        "questions-TOTAL_FORMS": str(len(questions) + 1),
        "questions-INITIAL_FORMS": str(len(questions)),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "20",
    }
    for index, q in enumerate(questions):
        data.update(
            {
                f"questions-{index}-id": str(q.pk),
                f"questions-{index}-label": q.label,
                f"questions-{index}-kind": q.kind,
                f"questions-{index}-help_text": q.help_text,
                f"questions-{index}-choices": q.choices,
                f"questions-{index}-required": "on" if q.required else "",
            }
        )
        if q.label in delete:
            data[f"questions-{index}-DELETE"] = "on"
    for name, value in (new or {}).items():
        data[f"questions-{len(questions)}-{name}"] = value
    if apply_to:
        data["apply_to"] = apply_to
    return data


def _labels(event) -> list[str]:
    return list(Question.objects.filter(event=event).values_list("label", flat=True))


def test_questions_go_to_this_date_or_to_it_and_the_later_ones(co_lead):
    dates = _series(4, co_lead)
    client = client_for(co_lead)
    url = reverse("events:questions", args=[dates[1].pk])
    assert "This and later dates in the series" in page_text(client.get(url))
    single = EventFactory()
    single_url = reverse("events:questions", args=[single.pk])
    assert "later dates" not in page_text(client.get(single_url))
    # This date only.
    shirt = {"label": "T-shirt size", "kind": "text", "help_text": ""}
    client.post(url, _questions_form(dates[1], shirt, apply_to="this"))
    assert [_labels(e) for e in dates] == [[], ["T-shirt size"], [], []]
    # This and later dates: the later ones get the same questions, unanswered.
    page = page_text(
        client.post(
            url,
            _questions_form(
                dates[1], {"label": "Parking?", "kind": "yesno"}, (), "later"
            ),
            follow=True,
        )
    )
    assert "copied to 2 later dates" in page
    assert [_labels(e) for e in dates] == [
        [],
        ["T-shirt size", "Parking?"],
        ["T-shirt size", "Parking?"],
        ["T-shirt size", "Parking?"],
    ]
    assert Question.objects.get(event=dates[3], label="Parking?").kind == "yesno"
    assert not Answer.objects.exists()
    # The second time, unchanged: nothing doubles.
    client.post(url, _questions_form(dates[1], apply_to="later"))
    assert _labels(dates[3]) == ["T-shirt size", "Parking?"]


def test_a_question_answered_on_a_later_date_is_kept_and_the_page_says_so(co_lead):
    dates = _series(3, co_lead)
    client = client_for(co_lead)
    url = reverse("events:questions", args=[dates[0].pk])
    shirt = {"label": "T-shirt size", "kind": "text"}
    client.post(url, _questions_form(dates[0], shirt, apply_to="later"))
    member = MemberFactory()
    asked = Question.objects.get(event=dates[2], label="T-shirt size")
    rsvps.rsvp_yes(event=dates[2], member=member, answers={asked.pk: "L"})
    # Removed from the first date and the later ones: the third date's
    # answered question stays, with its answer; the second date's goes.
    page = page_text(
        client.post(
            url,
            _questions_form(dates[0], delete=["T-shirt size"], apply_to="later"),
            follow=True,
        )
    )
    assert "Kept “T-shirt size” on 1 later date" in page
    assert [_labels(e) for e in dates] == [[], [], ["T-shirt size"]]
    assert Answer.objects.get(question=asked).value == "L"


def _reminders_form(rules, apply_to=None):
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "10",
    }
    for index, (hours, subject) in enumerate(rules):
        data[f"form-{index}-hours_before"] = str(hours)
        data[f"form-{index}-subject"] = subject
    if apply_to:
        data["apply_to"] = apply_to
    return data


def _rules(event) -> list[tuple[int, str]]:
    return list(
        Event.objects.get(pk=event.pk).reminders.values_list(
            "minutes_before", "subject"
        )
    )


def test_reminders_go_to_this_date_or_to_it_and_the_later_ones(co_lead):
    dates = _series(4, co_lead)
    default = _rules(dates[0])
    client = client_for(co_lead)
    url = reverse("events:reminders", args=[dates[1].pk])
    assert "This and later dates in the series" in page_text(client.get(url))
    single = EventFactory()
    single_url = reverse("events:reminders", args=[single.pk])
    assert "later dates" not in page_text(client.get(single_url))
    client.post(url, _reminders_form([(48, "Two days: {title}")], "this"))
    assert [_rules(e) for e in dates] == [
        default,
        [(2880, "Two days: {title}")],
        default,
        default,
    ]
    page = page_text(
        client.post(
            url,
            _reminders_form([(72, "Three days: {title}"), (2, "Soon")], "later"),
            follow=True,
        )
    )
    assert "and on 2 later dates" in page
    new = [(4320, "Three days: {title}"), (120, "Soon")]
    assert [_rules(e) for e in dates] == [default, new, new, new]


def test_repeating_until_the_last_day_there_is_is_refused_not_a_500(co_lead):
    event = _event()
    response = client_for(co_lead).post(
        reverse("events:repeat", args=[event.pk]),
        {"frequency": "monthly_day", "interval": "12", "until": "9999-12-31"},
    )
    assert response.status_code == 400
    assert any(HORIZON in e for e in response.context["form"].errors["until"])
