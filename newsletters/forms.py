from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from members.models import Member, Program, Role, Specialty
from newsletters.models import Category, Newsletter

AUDIENCE_HELP = _("Leave every audience field empty to send to all active members.")


class AudienceForm(forms.Form):
    """The audience fields shared by newsletters and events: a segment of active
    members, or everybody when every field is left empty."""

    AUDIENCE_FIELDS = (
        "incoming",
        "visa_statuses",
        "stages",
        "specialties",
        "programs",
        "roles",
        "home_countries",
    )

    incoming = forms.BooleanField(
        label=_("Incoming PGY-1s only"),
        required=False,
        help_text=_(
            "PGY-1s whose training starts within six months or began in the last month."
        ),
    )
    visa_statuses = forms.MultipleChoiceField(
        label=_("Visa statuses"), choices=Member.VisaStatus.choices, required=False
    )
    stages = forms.MultipleChoiceField(
        label=_("Training stages"), choices=Member.TrainingStage.choices, required=False
    )
    specialties = forms.ModelMultipleChoiceField(
        label=_("Specialties"), queryset=Specialty.objects.all(), required=False
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("Programs"), queryset=Program.objects.all(), required=False
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False
    )
    home_countries = forms.MultipleChoiceField(
        label=_("Home countries"),
        choices=list(countries),
        required=False,
        help_text=AUDIENCE_HELP,
    )

    def set_audience_initial(self, audience: dict) -> None:
        for name in self.AUDIENCE_FIELDS:
            self.fields[name].initial = audience.get(
                name, False if name == "incoming" else []
            )

    def audience(self) -> dict:
        data = self.cleaned_data
        audience = {
            name: list(data[name])
            for name in ("visa_statuses", "stages", "roles", "home_countries")
            if data.get(name)
        }
        for name in ("specialties", "programs"):
            if data.get(name):
                audience[name] = [obj.pk for obj in data[name]]
        if data.get("incoming"):
            audience["incoming"] = True
        return audience


class NewsletterForm(forms.ModelForm, AudienceForm):
    """Subject, Markdown body and the audience (a segment of active members)."""

    class Meta:
        model = Newsletter
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_audience_initial(self.instance.audience or {})


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("In the portal's time zone."),
    )


class PreferencesForm(forms.Form):
    wanted = forms.MultipleChoiceField(
        label=_("Email me"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Account emails (sign-in, password, approval) always come; they are "
            "not newsletters."
        ),
    )
