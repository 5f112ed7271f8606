import secrets
from datetime import timedelta

from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Lower, Trim
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from imgportal.identity import site_domain
from members.models import Member, User


def _checkin_code() -> str:
    # Six characters without look-alikes (0/O, 1/I/L), read aloud in a room.
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Event(models.Model):
    """A GME-funded (or otherwise funded) event the group runs."""

    class Kind(models.TextChoices):
        ORIENTATION_PANEL = "orientation_panel", _("Orientation panel")
        IMG_ORIENTATION = "img_orientation", _("IMG orientation")
        SOCIAL = "social", _("Happy hour / social")
        WORKSHOP = "workshop", _("Workshop")
        WEBINAR = "webinar", _("Webinar")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    class Funding(models.TextChoices):
        GME = "gme", _("GME-funded")
        OTHER = "other", _("Other source")

    class Visibility(models.TextChoices):
        MEMBERS = "members", _("Members only")
        PUBLIC = "public", _("Public")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Markdown: **bold**, *italic*, [link](https://…), lists."),
    )
    description_html = models.TextField(editable=False, default="")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(
        _("online link"),
        blank=True,
        help_text=_("Shown only to members who said yes."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Seats, guests included. Empty: no limit."),
    )
    guests_allowed = models.PositiveSmallIntegerField(
        _("guests per member"),
        default=0,
        help_text=_("e.g. 1 to let members bring a spouse to a social."),
    )
    rsvp_deadline = models.DateTimeField(_("RSVP by"), null=True, blank=True)
    requires_approval = models.BooleanField(
        _("organisers approve each RSVP"),
        default=False,
        help_text=_(
            "For limited seats (orientation panels for incoming residents): a yes "
            "waits for an organiser, who approves or declines it; only approved "
            "ones take seats."
        ),
    )
    visibility = models.CharField(
        _("who can see it"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
        help_text=_(
            "Public: visitors who are not signed in see it on the front page and "
            "can open it: its title, time, place, description and how many seats "
            "are left; never who is coming, the online link or the organisers. "
            "They sign in to RSVP, and the audience below still decides who may."
        ),
    )
    audience = models.JSONField(
        _("audience"),
        default=dict,
        blank=True,
        help_text=_("Empty: all active members. Otherwise the segment's filters."),
    )
    funding = models.CharField(
        _("funding"), max_length=10, choices=Funding.choices, default=Funding.GME
    )
    funding_source = models.CharField(
        _("other funding source"), max_length=200, blank=True
    )
    budget = models.DecimalField(
        _("budget (USD)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    actual_cost = models.DecimalField(
        _("actual cost (USD)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    organisers = models.ManyToManyField(
        Member,
        related_name="organised_events",
        blank=True,
        verbose_name=_("organisers"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("RFC 5545 SEQUENCE: raised on changes.")
    )
    checkin_code = models.CharField(max_length=6, default=_checkin_code, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    feedback_requested_at = models.DateTimeField(null=True, blank=True)
    announcement = models.OneToOneField(
        "newsletters.Newsletter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event",
        help_text=_("The email sent to the audience when it was published."),
    )
    # A date of a recurring series (each its own event, RSVPs and capacity), and
    # the start the series' rule gave it: the RECURRENCE-ID of an occurrence
    # moved on its own (RFC 5545 3.8.4.4).
    series = models.ForeignKey(
        "events.EventSeries",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    recurrence_id = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]
        permissions = [("manage_events", "Can create, publish and run events")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="events_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="events_capacity_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    def when_text(self) -> str:
        """ "Thu 3 Dec 2026, 18:00 – 20:00 (EST)", in the portal's zone: the one
        date format of the pages (imgportal/formats/en/formats.py)."""
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        same_day = start.date() == end.date()
        end_text = f"{end:%H:%M}" if same_day else f"{end:%a %-d %b %Y, %H:%M}"
        return f"{start:%a %-d %b %Y, %H:%M} – {end_text} ({start.tzname()})"

    @property
    def uid(self) -> str:
        """RFC 5545 UID: the same for the event's whole life."""
        return f"event-{self.pk}@{site_domain()}"

    def has_started(self, now=None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    def has_ended(self, now=None) -> bool:
        return (now or timezone.now()) >= self.ends_at

    def rsvps_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and not self.has_started(now)
            and (self.rsvp_deadline is None or now < self.rsvp_deadline)
        )


def _regexp_replace(expression, pattern: str, replacement: str = ""):
    return Func(
        expression,
        Value(pattern),
        Value(replacement),
        Value("g"),
        function="regexp_replace",
        output_field=models.CharField(),
    )


# Words around a name on a programme that are not the name.
HONORIFICS = r"^((dr|prof|professor|mr|mrs|ms|mx|miss) )+"
# Degrees written without a comma ("Amal Chief MD"): only those that are not
# also surnames ("Anh Do", "Li Ma" keep theirs); after a comma, all goes.
DEGREES = (
    r"( (md|mbbs|mbchb|mbbch|phd|mph|msc|mba|mhpe|facp|faap|facs|frcp|frcs"
    r"|frcpc|mrcp|jr|sr|ii|iii))+$"
)


def name_key(expression):
    """A name as the portfolio compares it: case, punctuation, spacing,
    "Dr"/"Prof" before and degrees (", DO, PhD") after left out, so the
    panelist "Dr. Amal Chief, MD" is the member Amal Chief. One SQL
    expression, used for the stored key and for the member's name alike."""
    # "Amal Chief, MD, PhD" is "Amal Chief"; "M.D." is "md", "Dr." is "dr";
    # other punctuation separates words.
    words = _regexp_replace(Lower(expression), r",.*$")
    words = _regexp_replace(words, r"\.", "")
    words = _regexp_replace(words, r"[^[:alnum:]'-]+", " ")
    words = Trim(words)
    return Trim(_regexp_replace(_regexp_replace(words, HONORIFICS), DEGREES))


class Panelist(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="panelists")
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # For "spoke at" in the member's leadership portfolio (events.selectors).
    name_key = models.GeneratedField(
        expression=name_key(F("name")),
        output_field=models.CharField(max_length=200),
        db_persist=True,
    )

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Rsvp(models.Model):
    """One member's answer for one event (one row each: a double click is one)."""

    class Status(models.TextChoices):
        YES = "yes", _("Going")
        NO = "no", _("Not going")
        WAITLIST = "waitlist", _("On the waitlist")
        OFFERED = "offered", _("Offered a seat")
        LAPSED = "lapsed", _("Offer lapsed")
        PENDING = "pending", _("Waiting for approval")
        REFUSED = "refused", _("Not approved")

    # Statuses that hold seats: a pending offer keeps its seat until it lapses.
    SEATED = (Status.YES, Status.OFFERED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="rsvps")
    status = models.CharField(max_length=10, choices=Status.choices)
    guests = models.PositiveSmallIntegerField(_("guests"), default=0)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(default=timezone.now)
    # What was true when they said yes, for GME's report: a rollover or a new
    # visa later must not move last year's PGY-1s into PGY-2.
    training_stage = models.CharField(
        max_length=10, choices=Member.TrainingStage.choices, blank=True
    )
    visa_status = models.CharField(
        max_length=20, choices=Member.VisaStatus.choices, blank=True
    )

    class Meta:
        verbose_name = "RSVP"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"], name="events_one_rsvp_each"
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="events_offer_has_deadline",
            ),
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return f"{self.member} → {self.event}: {self.status}"

    @property
    def seats(self) -> int:
        return 1 + self.guests


class Question(models.Model):
    """A registration question the organiser asks everyone who says yes."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short text")
        CHOICE = "choice", _("One choice")
        MULTI = "multi", _("Several choices")
        YESNO = "yesno", _("Yes or no")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    help_text = models.CharField(_("help line"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("One per line (choice questions only).")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Answer(models.Model):
    """One member's answer to one question: text, a choice, a list of choices
    or yes/no, as JSON. Seen by the member, the event's organisers, GME staff
    and co-leads only."""

    rsvp = models.ForeignKey("Rsvp", on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers"
    )
    value = models.JSONField(default=str)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rsvp", "question"], name="events_one_answer_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.text()}"

    def text(self) -> str:
        if isinstance(self.value, bool):
            return "Yes" if self.value else "No"
        if isinstance(self.value, list):
            return ", ".join(str(v) for v in self.value)
        return str(self.value or "")


class Guest(models.Model):
    """Someone a member brings (a J-2 spouse, a child): named, seated, and
    checked in on their own."""

    class Age(models.TextChoices):
        ADULT = "adult", _("Adult")
        CHILD = "child", _("Child")

    rsvp = models.ForeignKey(
        "Rsvp", on_delete=models.CASCADE, related_name="guest_list"
    )
    name = models.CharField(_("guest's name"), max_length=100, blank=True)
    age = models.CharField(
        _("adult or child"), max_length=5, choices=Age.choices, default=Age.ADULT
    )
    order = models.PositiveSmallIntegerField(default=0)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name or "Guest"

    @property
    def display_name(self) -> str:
        return self.name or "Guest (no name given)"


TITLE_PLACEHOLDER = "{title}"


class ReminderRule(models.Model):
    """A reminder at a fixed offset before the start (moving the event moves it)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reminders")
    minutes_before = models.PositiveIntegerField(_("minutes before the start"))
    subject = models.CharField(_("subject"), max_length=200)

    class Meta:
        ordering = ["-minutes_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "minutes_before"],
                name="events_one_reminder_per_offset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.minutes_before} min before"

    def due_at(self):
        return self.event.starts_at - timedelta(minutes=self.minutes_before)

    def subject_for(self, event: "Event") -> str:
        """The subject with "{title}" filled in. Plain replacement, not
        `str.format`: "{title.foo}" or "{0.__class__}" stay text (the form
        refuses them) instead of reaching into Python objects."""
        return self.subject.replace(TITLE_PLACEHOLDER, event.title)


class ReminderSent(models.Model):
    """One reminder went to one person for one offset, for the start time it
    named. It is not sent again for that offset unless the event moves by more
    than the offset itself (a "tomorrow" reminder stays true after a 15-minute
    move; after a move of two days it is sent again for the new day). Keyed by
    the offset, not the rule, so editing the reminders sends nothing twice."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    minutes_before = models.PositiveIntegerField()
    for_starts_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member", "minutes_before"],
                name="events_one_reminder_sent_per_offset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.minutes_before} min reminder to {self.member}"

    def still_true_for(self, starts_at) -> bool:
        return abs(starts_at - self.for_starts_at) <= timedelta(
            minutes=self.minutes_before
        )


class Attendance(models.Model):
    """Someone was there (marked by an organiser, or checked in with the code)."""

    class Method(models.TextChoices):
        ORGANISER = "organiser", _("Marked by an organiser")
        CODE = "code", _("Checked in with the code")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="attendances"
    )
    method = models.CharField(max_length=10, choices=Method.choices)
    checked_in_at = models.DateTimeField(default=timezone.now)
    guests = models.PositiveSmallIntegerField(
        _("guests who came"),
        default=0,
        help_text=_("Counted in the report's attendance and cost per attendee."),
    )
    # The member's stage and visa status on the day they came (see Rsvp).
    training_stage = models.CharField(
        max_length=10, choices=Member.TrainingStage.choices, blank=True
    )
    visa_status = models.CharField(
        max_length=20, choices=Member.VisaStatus.choices, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"], name="events_one_attendance_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} at {self.event}"

    @property
    def people(self) -> int:
        return 1 + self.guests


class Feedback(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feedback")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(
        _("rating"), choices=[(n, str(n)) for n in range(1, 6)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"], name="events_one_feedback_each"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5),
                name="events_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.rating}"


class CalendarFeed(models.Model):
    """A member's secret calendar addresses; a new token revokes the old one.

    `token` lists the events they said yes to. `private_token`, empty until the
    member turns it on, is a second address with their status-tracker
    deadlines (DS-2019, EAD, passport…), which tell anyone who reads them the
    member's visa status: it is kept apart so the events address can be shared.
    """

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="calendar_feed"
    )

    class Alarm(models.IntegerChoices):
        MINUTES_15 = 15, _("15 minutes before")
        HOUR_1 = 60, _("1 hour before")
        HOURS_3 = 180, _("3 hours before")
        DAY_1 = 1440, _("1 day before")

    token = models.CharField(max_length=64, unique=True)
    private_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The calendar app's own alarm (VALARM) on each event in the feed and the
    # .ics downloads; empty: no alarm.
    alarm_minutes = models.PositiveIntegerField(
        _("calendar alarm"),
        choices=Alarm.choices,
        null=True,
        blank=True,
        default=Alarm.HOUR_1,
    )

    def __str__(self) -> str:
        return f"Calendar feed of {self.member}"


class EventMessage(models.Model):
    """An organiser's email to chosen groups of an event's people (going,
    waitlist, checked in, did not come), sent one by one through the outbox;
    kept on the event page with who wrote it and how many it went to."""

    class Group(models.TextChoices):
        GOING = "going", _("Going")
        WAITLIST = "waitlist", _("On the waitlist")
        CHECKED_IN = "checked_in", _("Checked in")
        NO_SHOW = "no_show", _("Said yes but did not come")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="messages")
    # The preview's one-time key: a second click on "Send" sends nothing more.
    key = models.CharField(max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"), max_length=5000)
    groups = models.JSONField(_("sent to"), default=list)
    recipient_ids = models.JSONField(default=list)
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event}: {self.subject}"

    @property
    def recipient_count(self) -> int:
        return len(self.recipient_ids)

    def group_labels(self) -> list[str]:
        labels = dict(self.Group.choices)
        return [str(labels.get(g, g)) for g in self.groups]


class EventSeries(models.Model):
    """Events that repeat by an RFC 5545 RRULE (weekly, monthly): the rule and
    its first start; each date is an Event of its own."""

    rrule = models.CharField(_("repeat rule"), max_length=300)
    dtstart = models.DateTimeField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("event series")

    def __str__(self) -> str:
        return f"{self.rrule} from {self.dtstart:%Y-%m-%d}"

    @property
    def uid(self) -> str:
        return f"series-{self.pk}@{site_domain()}"
