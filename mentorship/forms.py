from django import forms
from django.utils.translation import gettext_lazy as _

from members.languages import LANGUAGES
from members.models import Member, Specialty
from mentorship.models import MentorProfile, MentorshipRequest, MentorType

CHECKBOXES = forms.CheckboxSelectMultiple


class MentorProfileForm(forms.ModelForm):
    capacity = forms.IntegerField(
        label=_("Most active mentees"),
        min_value=1,
        max_value=10,
        initial=2,
        help_text=_("Between 1 and 10."),
    )
    types = forms.MultipleChoiceField(
        label=_("Kinds of mentoring you offer"),
        choices=MentorType.choices,
        widget=CHECKBOXES,
    )
    visa_paths = forms.MultipleChoiceField(
        label=_("Visa statuses you have been through"),
        choices=[
            c
            for c in Member.VisaStatus.choices
            if c[0] not in ("other", "us_citizen_img")
        ],
        widget=CHECKBOXES,
        required=False,
        help_text=_(
            "Used for matching. Mentees read only 'has IMG and visa experience' "
            "unless you choose to show them below."
        ),
    )

    class Meta:
        model = MentorProfile
        fields = [
            "types",
            "specialty",
            "interests",
            "visa_paths",
            "show_visa_paths",
            "capacity",
            "accepting",
            "meeting",
            "bio",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}


class RequestForm(forms.ModelForm):
    types = forms.MultipleChoiceField(
        label=_("Kinds of mentor you want (one mentor each: your board)"),
        choices=MentorType.choices,
        widget=CHECKBOXES,
    )
    priorities = forms.MultipleChoiceField(
        label=_("What matters most"),
        choices=MentorshipRequest.Priority.choices,
        widget=CHECKBOXES,
        required=False,
    )

    class Meta:
        model = MentorshipRequest
        fields = ["types", "specialty", "goals", "priorities", "urgency", "share_visa"]
        widgets = {"goals": forms.Textarea(attrs={"rows": 4})}


class MentorFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Any kind")), *MentorType.choices],
        required=False,
    )
    specialty = forms.ModelChoiceField(
        label=_("Specialty"), queryset=Specialty.objects.all(), required=False
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Any language")), *LANGUAGES],
        required=False,
    )
    accepting = forms.BooleanField(
        label=_("Only mentors taking new mentees"), required=False, initial=True
    )


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question to the mentee"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class CheckInForm(forms.Form):
    met_on = forms.DateField(
        label=_("Met on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("What you talked about"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    progress = forms.CharField(
        label=_("Progress on your goals"), max_length=300, required=False
    )


class CloseForm(forms.Form):
    feedback = forms.CharField(
        label=_("Short feedback (what worked, what didn't)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )


class BarForm(forms.Form):
    mentor_email = forms.EmailField(label=_("Mentor's email"))
    mentee_email = forms.EmailField(label=_("Mentee's email"))
    reason = forms.CharField(
        label=_("Reason (e.g. supervisor and resident)"), max_length=200, required=False
    )

    def _member(self, field):
        email = self.cleaned_data[field]
        member = Member.objects.filter(user__email__iexact=email).first()
        if member is None:
            raise forms.ValidationError(_("No member has that email address."))
        return member

    def clean_mentor_email(self):
        self.mentor = self._member("mentor_email")
        return self.cleaned_data["mentor_email"]

    def clean_mentee_email(self):
        self.mentee = self._member("mentee_email")
        return self.cleaned_data["mentee_email"]
