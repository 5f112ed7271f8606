from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from imgportal.widgets import FastSelectMultiple
from members.languages import LANGUAGES
from members.models import (
    DIRECTORY_FIELD_CHOICES,
    CoLeadInvitation,
    DeletionRequest,
    LeadershipRole,
    Member,
    Program,
    Role,
    Specialty,
)
from members.services import GRANTABLE_ROLES, member_create_pending


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth adds email and password around these."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user) -> None:
        member_create_pending(user=user)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PROFILE_FIELDS = [
    "preferred_name",
    "pronouns",
    "phone",
    "training_stage",
    "specialty",
    "program",
    "medical_school",
    "medical_school_country",
    "home_country",
    "languages",
    "training_start",
    "expected_completion",
    "interests",
    "bio",
]


class MemberProfileForm(forms.ModelForm):
    """A profile as a co-lead edits someone else's: never their visa status,
    status, roles or account flags (those fields are simply not on the form)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    # The model's ArrayField gives a form field without choices: its <select>
    # rendered no options (an unchanged save emptied the languages) and a bad
    # value reached the model's validation, whose message formatting fails on
    # "%" in what was typed. The choices belong on the form.
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGES,
        required=False,
        widget=FastSelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Member
        fields = PROFILE_FIELDS
        widgets = {
            "training_start": DATE,
            "expected_completion": DATE,
            "bio": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["first_name"].initial = self.instance.user.first_name
            self.fields["last_name"].initial = self.instance.user.last_name
        self.order_fields(["first_name", "last_name", *self.Meta.fields])

    def user_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in ("first_name", "last_name")}

    def member_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.Meta.fields}


class OwnProfileForm(MemberProfileForm):
    """A member's own profile: adds their visa status and what the directory shows."""

    directory_fields = forms.MultipleChoiceField(
        label=_("Show these to other members in the directory"),
        help_text=_("Your name is always shown. Your visa status never is."),
        choices=DIRECTORY_FIELD_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta(MemberProfileForm.Meta):
        fields = [
            *PROFILE_FIELDS[:3],
            "visa_status",
            "visa_other",
            *PROFILE_FIELDS[3:],
            "directory_fields",
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("visa_status") == Member.VisaStatus.OTHER and not cleaned.get(
            "visa_other"
        ):
            self.add_error("visa_other", _("Say which status, since you chose Other."))
        return cleaned


class LeadershipRoleForm(forms.ModelForm):
    class Meta:
        model = LeadershipRole
        fields = ["kind", "title", "start", "end", "outcome"]
        widgets = {"start": DATE, "end": DATE}


class DeletionRequestForm(forms.ModelForm):
    confirm = forms.BooleanField(
        label=_("I understand my profile will be anonymised and I can't undo it."),
    )

    class Meta:
        model = DeletionRequest
        fields = ["reason"]


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster CSV"),
        help_text=_(
            "UTF-8 CSV with columns email, first_name, last_name and optionally "
            "visa_status, training_stage, specialty, program, home_country, "
            "training_start, expected_completion (dates as 2026-07-01)."
        ),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("approve", _("Approve join requests")),
        ("alumni", _("Mark as alumni")),
        ("deactivate", _("Deactivate (signs them out)")),
        ("grant_role", _("Give a role")),
    ]
    action = forms.ChoiceField(label=_("With the selected members"), choices=ACTIONS)
    role = forms.ChoiceField(
        label=_("Role to give"),
        choices=[("", "—"), *[(r.value, r.label) for r in GRANTABLE_ROLES]],
        required=False,
    )
    members = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args, member_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(pk, pk) for pk in member_ids]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "grant_role" and not cleaned.get("role"):
            self.add_error("role", _("Choose the role to give."))
        return cleaned


class CoLeadInviteForm(forms.ModelForm):
    class Meta:
        model = CoLeadInvitation
        fields = ["invitee", "handover_on", "replaces_inviter"]
        widgets = {"handover_on": DATE}
        labels = {"invitee": _("Member to invite")}

    def __init__(self, *args, invitees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitee"].queryset = invitees
        self.fields["handover_on"].initial = timezone.localdate()


class RolloverForm(forms.Form):
    academic_year = forms.IntegerField(
        label=_("Academic year starting in July of"), min_value=2000, max_value=2100
    )


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
