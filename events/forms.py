from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import TITLE_PLACEHOLDER, CalendarFeed, Event, Feedback
from members.forms import AudienceForm
from members.models import Member

DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)


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
        }
        help_texts = {
            "starts_at": _("In the portal's time zone."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisers"].label_from_instance = lambda m: (
            f"{m.display_name} ({m.user.email})"
        )
        for name in ("starts_at", "ends_at", "rsvp_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if self.instance.pk:
            self.set_audience_initial(self.instance.audience or {})
            self.fields["organisers"].initial = list(
                self.instance.organisers.values_list("pk", flat=True)
            )
            self.fields["panelists"].initial = "\n".join(
                f"{p.name}, {p.title}" if p.title else p.name
                for p in self.instance.panelists.all()
            )

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
    guests = forms.IntegerField(
        label=_("Guests"), min_value=0, initial=0, required=False
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
