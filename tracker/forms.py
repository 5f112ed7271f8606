from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from imgportal.form_errors import add_errors
from tracker import rules, services
from tracker.models import TrackedDocument, Trip

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DocumentForm(forms.ModelForm):
    class Meta:
        model = TrackedDocument
        fields = ["kind", "on", "duration_of_status", "starts_on", "notes"]
        widgets = {"on": DATE, "starts_on": DATE}
        labels = {"on": _("Date (ends, expires, due or signed on)")}
        help_texts = {
            "notes": _(
                "Optional, e.g. 'renewal filed 3 May'. No document numbers needed."
            )
        }

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.member = member
        allowed = rules.kinds_for(member.visa_status)
        self.fields["kind"].choices = [
            (kind, info.label) for kind, info in rules.KINDS.items() if kind in allowed
        ]
        if self.instance.pk:
            self.fields["kind"].disabled = True

    def clean(self):
        cleaned = super().clean()
        if "kind" in cleaned and not self.errors:
            _add_errors(
                self,
                lambda: services.document_check(
                    member=self.instance.member,
                    kind=cleaned["kind"],
                    starts_on=cleaned.get("starts_on"),
                    on=cleaned.get("on"),
                    d_s=cleaned.get("duration_of_status", False),
                ),
            )
        return cleaned


class TripForm(forms.ModelForm):
    class Meta:
        model = Trip
        fields = ["country", "leaves_on", "returns_on", "notes"]
        widgets = {"leaves_on": DATE, "returns_on": DATE}

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.member = member

    def clean(self):
        cleaned = super().clean()
        _add_errors(
            self,
            lambda: services.trip_check(
                leaves_on=cleaned.get("leaves_on"), returns_on=cleaned.get("returns_on")
            ),
        )
        return cleaned


def _add_errors(form, check) -> None:
    """Run a service check and put its errors next to the fields it names."""
    try:
        check()
    except ValidationError as exc:
        add_errors(form, exc)
