from django import forms
from django.utils.translation import gettext_lazy as _

from imgportal.markdown import validate_markdown
from members.forms import AudienceForm
from newsletters.models import Newsletter


class NewsletterForm(forms.ModelForm, AudienceForm):
    """Subject, Markdown body and the audience (a segment of active members)."""

    class Meta:
        model = Newsletter
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_audience_initial(self.instance.audience or {})

    def clean_body(self):
        body = self.cleaned_data["body"]
        validate_markdown(body)
        return body


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("In the portal's time zone."),
    )
