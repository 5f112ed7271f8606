from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import (
    TITLE_PLACEHOLDER,
    CalendarFeed,
    Event,
    Feedback,
    Guest,
    Question,
)
from imgportal.markdown import validate_markdown
from members.forms import AudienceForm
from members.models import Member

DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)


# How far from today an event may be dated: back far enough to record past
# years' events for the funding report, ahead as far as anyone plans; a date
# outside (9999-12-31 evening is the year 10000 in UTC) could not be stored.
YEARS_BACK = 20
YEARS_AHEAD = 5


def _reach() -> tuple[int, int]:
    year = timezone.localdate().year
    return year - YEARS_BACK, year + YEARS_AHEAD


def within_reach(when) -> bool:
    first, last = _reach()
    return first <= timezone.localtime(when).year <= last


def out_of_reach_message() -> str:
    first, last = _reach()
    return _("Choose a date between %(first)s and %(last)s.") % {
        "first": first,
        "last": last,
    }


class EventForm(forms.ModelForm, AudienceForm):
    """Everything about an event except its reminders (their own page)."""

    organisers = forms.ModelMultipleChoiceField(
        label=_("Organisers"),
        queryset=Member.objects.active()
        .select_related("user")
        .order_by("user__last_name", "user__first_name"),
        required=False,
        help_text=_("They can check people in and see who is coming."),
    )
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to members who said yes."),
    )
    panelists = forms.CharField(
        label=_("Panelists"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            'One per line: "Name, title", e.g. "Dr Ana Ruiz, PGY-3 Internal Medicine".'
        ),
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "capacity",
            "guests_allowed",
            "rsvp_deadline",
            "requires_approval",
            "visibility",
            "funding",
            "funding_source",
            "budget",
            "actual_cost",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "rsvp_deadline": DATETIME,
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "starts_at": _("In the portal's time zone."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.series_id:
            self.fields["apply_to"] = forms.ChoiceField(
                label=_("This event repeats. Change"),
                choices=[
                    ("this", _("this date only")),
                    ("later", _("this date and all later ones")),
                ],
                initial="this",
                widget=forms.RadioSelect,
                help_text=_(
                    "A new time moves each later date by as much; their RSVPs stay."
                ),
            )
        self.fields["organisers"].label_from_instance = lambda m: (
            f"{m.listed_name} ({m.user.email})"
        )
        for name in ("starts_at", "ends_at", "rsvp_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        # A form posted without the choice (older pages, scripts) keeps what
        # the event had: members only for a new one.
        self.fields["visibility"].required = False
        if self.instance.pk:
            self.set_audience_initial(self.instance.audience or {})
            self.fields["organisers"].initial = list(
                self.instance.organisers.values_list("pk", flat=True)
            )
            self.fields["panelists"].initial = "\n".join(
                f"{p.name}, {p.title}" if p.title else p.name
                for p in self.instance.panelists.all()
            )

    def clean_description(self):
        description = self.cleaned_data["description"]
        validate_markdown(description)
        return description

    def clean_visibility(self) -> str:
        return self.cleaned_data["visibility"] or self.instance.visibility

    def clean_panelists(self) -> list[tuple[str, str]]:
        rows = []
        for line in self.cleaned_data["panelists"].splitlines():
            if not line.strip():
                continue
            name, _sep, title = line.partition(",")
            rows.append((name.strip()[:200], title.strip()[:200]))
        return rows

    def clean(self):
        data = super().clean()
        for name in ("starts_at", "ends_at", "rsvp_deadline"):
            if data.get(name) and not within_reach(data[name]):
                self.add_error(name, out_of_reach_message())  # drops it from data
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        deadline = data.get("rsvp_deadline")
        if deadline and starts and deadline > starts:
            self.add_error(
                "rsvp_deadline", _("The RSVP deadline must be before the start.")
            )
        if (
            data.get("funding") == Event.Funding.OTHER
            and not data.get("funding_source", "").strip()
        ):
            self.add_error("funding_source", _("Say where the money comes from."))
        for name in ("budget", "actual_cost"):
            if data.get(name) is not None and data[name] < Decimal(0):
                self.add_error(name, _("Enter an amount of 0 or more."))
        return data


class RsvpForm(forms.Form):
    """Saying yes: the guests' names (one row per guest the event allows) and
    the answers to the event's registration questions."""

    GUEST_NAME = "guest_{}_name"
    GUEST_AGE = "guest_{}_age"

    def __init__(self, *args, event: Event, rsvp=None, **kwargs):
        self.event = event
        self.questions = list(event.questions.all())
        super().__init__(*args, **kwargs)
        guests = list(rsvp.guest_list.all()) if rsvp is not None else []
        for index in range(event.guests_allowed):
            guest = guests[index] if index < len(guests) else None
            number = index + 1
            self.fields[self.GUEST_NAME.format(index)] = forms.CharField(
                label=_("Guest %(n)s: name") % {"n": number},
                max_length=100,
                required=False,
                initial=guest.name if guest else "",
            )
            self.fields[self.GUEST_AGE.format(index)] = forms.ChoiceField(
                label=_("Guest %(n)s: adult or child") % {"n": number},
                choices=Guest.Age.choices,
                required=False,
                initial=guest.age if guest else Guest.Age.ADULT,
            )
        given = (
            {a.question_id: a.value for a in rsvp.answers.all()}
            if rsvp is not None
            else {}
        )
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = self._field_for(
                question, given.get(question.pk)
            )

    @staticmethod
    def _field_for(question: Question, value) -> forms.Field:
        common = {
            "label": question.label,
            "help_text": question.help_text,
            "required": question.required,
        }
        kind = question.kind
        if kind == Question.Kind.YESNO:
            initial = {True: "yes", False: "no"}.get(value, "")
            return forms.ChoiceField(
                choices=[("yes", _("Yes")), ("no", _("No"))],
                widget=forms.RadioSelect,
                initial=initial,
                **common,
            )
        choices = [(c, c) for c in question.choice_list()]
        if kind == Question.Kind.CHOICE:
            return forms.ChoiceField(
                choices=[("", "—"), *choices], initial=value or "", **common
            )
        if kind == Question.Kind.MULTI:
            return forms.MultipleChoiceField(
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                initial=value or [],
                **common,
            )
        return forms.CharField(max_length=500, initial=value or "", **common)

    def guest_rows(self):
        """(name field, age field) per guest row, for the template."""
        return [
            (self[self.GUEST_NAME.format(i)], self[self.GUEST_AGE.format(i)])
            for i in range(self.event.guests_allowed)
        ]

    def question_fields(self):
        return [self[f"q_{q.pk}"] for q in self.questions]

    def clean(self):
        data = super().clean()
        limit = self.event.guests_allowed
        # A guest posted past the event's limit (a hand-made form): refused,
        # not silently dropped.
        extra = [
            key
            for key, value in self.data.items()
            if key.startswith("guest_")
            and key.endswith("_name")
            and key not in self.fields
            and str(value).strip()
        ]
        if extra:
            self.add_error(
                None,
                ValidationError(
                    _("You can bring up to %(n)s guest%(s)s.")
                    % {"n": limit, "s": "" if limit == 1 else "s"}
                    if limit
                    else _("This event is for members only."),
                    code="guests",
                ),
            )
        return data

    def guests(self) -> list[tuple[str, str]]:
        rows = []
        for index in range(self.event.guests_allowed):
            name = (self.cleaned_data.get(self.GUEST_NAME.format(index)) or "").strip()
            if name:
                age = self.cleaned_data.get(self.GUEST_AGE.format(index))
                rows.append((name, age or Guest.Age.ADULT))
        return rows

    def answers(self) -> dict[int, object]:
        from events.registration import answer_value

        return {
            q.pk: answer_value(q, self.cleaned_data.get(f"q_{q.pk}"))
            for q in self.questions
        }


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["label", "kind", "help_text", "required", "choices"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (Question.Kind.CHOICE, Question.Kind.MULTI):
            lines = [c.strip() for c in data.get("choices", "").splitlines()]
            lines = [c for c in lines if c]
            if len(lines) < 2:
                self.add_error("choices", _("Give at least two choices, one per line."))
            elif len(set(lines)) != len(lines):
                self.add_error("choices", _("Each choice once, please."))
            elif any(len(c) > 100 for c in lines):
                self.add_error("choices", _("Keep each choice under 100 characters."))
            data["choices"] = "\n".join(lines)
        else:
            data["choices"] = ""
        return data


QuestionFormSet = forms.inlineformset_factory(
    Event,
    Question,
    form=QuestionForm,
    extra=1,
    can_delete=True,
    max_num=20,
    validate_max=True,
)


class ReminderForm(forms.Form):
    hours_before = forms.DecimalField(
        label=_("Hours before the start"),
        min_value=Decimal("0.25"),
        max_value=Decimal(24 * 30),
        decimal_places=2,
        help_text=_("e.g. 24 for the day before, 0.5 for half an hour."),
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        help_text=_('"{title}" is replaced by the event\'s title.'),
    )

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        if set("{}") & set(subject.replace(TITLE_PLACEHOLDER, "")):
            raise forms.ValidationError(
                _('Use only "{title}" in braces, or no braces at all.')
            )
        return subject


ReminderFormSet = forms.formset_factory(
    ReminderForm, extra=1, can_delete=True, max_num=10, validate_max=True
)


class CodeCheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=10,
        help_text=_("The six characters the organisers show in the room."),
    )

    def __init__(self, *args, event, guests: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if event.guests_allowed:
            self.fields["guests"] = forms.TypedChoiceField(
                label=_("Guests with you"),
                choices=[(n, str(n)) for n in range(event.guests_allowed + 1)],
                coerce=int,
                initial=guests,
                help_text=_("Count them in too: GME's report includes guests."),
            )


class PersonalCodeForm(forms.Form):
    """What the organiser's phone reads from a member's QR code, or types."""

    code = forms.CharField(
        label=_("Member's check-in code"),
        max_length=40,
        help_text=_("Scan the QR code, or type the code under it, e.g. 4821-K7MP2Q."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ["rating", "comment"]
        widgets = {
            "rating": forms.RadioSelect,
            "comment": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"rating": _("How was it? (5 is best)")}


class CalendarAlarmForm(forms.Form):
    """When the calendar app should alert the member before each event."""

    alarm_minutes = forms.TypedChoiceField(
        label=_("Alert me in my calendar"),
        choices=[("", _("No alert")), *CalendarFeed.Alarm.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "Added to each event in your calendar address and the .ics files you "
            "download; your calendar app shows it. Email reminders are set in "
            "your email preferences."
        ),
    )


class EventMessageForm(forms.Form):
    """An organiser's email to some of the event's people."""

    groups = forms.MultipleChoiceField(
        label=_("Send to"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose who gets the message.")},
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=150,
        error_messages={"required": _("Give the message a subject.")},
    )
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        error_messages={"required": _("Write the message.")},
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Plain text. Each person gets it on their own; replies come to you."
        ),
    )
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # What the preview showed, signed: Send after an edit previews again.
    previewed = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=128
    )

    def __init__(self, *args, event, **kwargs):
        from events.messages import groups_available

        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = groups_available(event)
        if not event.has_started():
            self.fields["groups"].help_text = _(
                "“Said yes but did not come” is offered once the event has started."
            )

    def clean_subject(self):
        return " ".join(self.cleaned_data["subject"].split())

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write the message."))
        validate_markdown(body)
        return body


class EventCopyForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("New start"),
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("The end and the RSVP deadline move with it."),
    )

    def clean_starts_at(self):
        starts = self.cleaned_data["starts_at"]
        if not within_reach(starts):
            raise ValidationError(out_of_reach_message())
        return starts


class EventRepeatForm(forms.Form):
    """How an event repeats: the common ways, or an RFC 5545 RRULE."""

    FREQUENCIES = [
        ("weekly", _("Every week")),
        ("monthly_weekday", _("Every month, on the same weekday (e.g. 2nd Thursday)")),
        ("monthly_day", _("Every month, on the same day of the month")),
    ]
    frequency = forms.ChoiceField(label=_("Repeats"), choices=FREQUENCIES)
    interval = forms.IntegerField(
        label=_("Every how many"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("1 for every week or month, 2 for every other one."),
    )
    count = forms.IntegerField(
        label=_("Number of dates"),
        min_value=2,
        required=False,
        help_text=_("This event included."),
    )
    until = forms.DateField(
        label=_("Or until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    rrule = forms.CharField(
        label=_("Or a repeat rule (RFC 5545 RRULE)"),
        required=False,
        max_length=300,
        help_text=_(
            "For calendars people: e.g. FREQ=MONTHLY;BYDAY=1TH;COUNT=10. "
            "Replaces the choices above."
        ),
    )

    def __init__(self, *args, event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)

    def clean(self):
        from events import series

        data = super().clean()
        if self.errors:
            return data
        rule = (data.get("rrule") or "").strip()
        if not rule:
            count, until = data.get("count"), data.get("until")
            if not count and not until:
                self.add_error("count", _("Say how many dates, or until when."))
                return data
            if count and until:
                self.add_error(
                    "until", _("Give a number of dates or an end, not both.")
                )
                return data
            if count and count > series.MAX_DATES:
                self.add_error(
                    "count",
                    _("A series can have up to %(n)s dates.") % {"n": series.MAX_DATES},
                )
                return data
            rule = series.rule_build(
                starts_at=self.event.starts_at,
                frequency=data["frequency"],
                interval=data["interval"],
                count=count,
                until=until,
            )
        try:
            data["dates"] = series.rule_dates(rule, self.event.starts_at)
        except ValidationError as exc:
            field = (
                "rrule"
                if data.get("rrule")
                else ("until" if data.get("until") else "count")
            )
            for message in exc.message_dict.get("rrule", []):
                self.add_error(field, message)
            return data
        data["rule"] = rule
        return data
