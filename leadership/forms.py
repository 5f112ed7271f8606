from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadership.models import Opening
from members.models import LeadershipRole, Program

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PGY_CHOICES = [("", _("Any PGY"))] + [(str(n), f"PGY-{n}") for n in range(1, 9)]


class OpeningForm(forms.ModelForm):
    class Meta:
        model = Opening
        fields = [
            "title",
            "kind",
            "program",
            "pgy_min",
            "pgy_max",
            "specialties",
            "time_commitment",
            "visa_limit",
            "visa_note",
            "description",
            "how_to_apply",
            "contact",
            "deadline",
        ]
        widgets = {
            "deadline": DATE,
            "visa_limit": forms.RadioSelect,
            "specialties": forms.SelectMultiple(attrs={"size": 6}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "how_to_apply": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.order_by("name")
        self.fields["program"].empty_label = "Institution-wide"
        self.fields[
            "specialties"
        ].help_text = (
            "Leave empty if any specialty may apply (Ctrl or ⌘ to choose several)."
        )

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("pgy_min"), cleaned.get("pgy_max")
        if low and high and high < low:
            self.add_error(
                "pgy_max", f"“Up to PGY” must be PGY-{low} or later (“from PGY”)."
            )
        deadline = cleaned.get("deadline")
        if (
            deadline
            and deadline < timezone.localdate()
            and (self.instance.pk is None or deadline != self.initial.get("deadline"))
        ):
            self.add_error(
                "deadline", "The deadline has passed: choose today or a later day."
            )
        return cleaned


class BoardFilterForm(forms.Form):
    """The board's filters (GET): every value optional, odd values ignored."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any kind")), *Opening.Kind.choices],
    )
    program = forms.ChoiceField(label=_("Program"), required=False)
    pgy = forms.TypedChoiceField(
        label=_("Open to"),
        required=False,
        choices=PGY_CHOICES,
        coerce=int,
        empty_value=None,
    )
    deadline = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[
            ("", _("Any deadline")),
            ("week", _("Within a week")),
            ("month", _("Within a month")),
            ("quarter", _("Within three months")),
        ],
    )
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Open now")), ("all", _("Also closed and past deadline"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [
            ("", _("Any program")),
            ("institution", _("Institution-wide only")),
            *(
                (str(pk), name)
                for pk, name in Program.objects.order_by("name").values_list(
                    "pk", "name"
                )
            ),
        ]

    def params(self) -> dict:
        """The valid filters (an odd value in one is dropped, not an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value and name not in self.errors
        }


class ShortlistForm(forms.Form):
    note = forms.CharField(
        label=_("Private note"),
        required=False,
        max_length=300,
        help_text=_("Only you see this, e.g. “ask PD about visa”."),
    )


class GotRoleForm(forms.Form):
    start = forms.DateField(label=_("Started on"), widget=DATE)

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start > timezone.localdate():
            raise forms.ValidationError("Choose today or an earlier day.")
        if start.year < LeadershipRole.EARLIEST_YEAR:
            raise forms.ValidationError(
                f"That is before {LeadershipRole.EARLIEST_YEAR}: check the year."
            )
        return start
