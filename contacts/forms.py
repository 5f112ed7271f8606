from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contacts import selectors, services, spreadsheet
from contacts.models import Contact
from imgportal.form_errors import add_errors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TagsField(forms.CharField):
    """Tags typed as one line, "fellowship, cardiology"; stored as a list."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        if "\x00" in text:  # the list hides it from CharField's own check
            raise forms.ValidationError(_("Null characters are not allowed."))
        return spreadsheet.split_tags(text)


class LinkedMemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.display_name


class ContactForm(forms.ModelForm):
    tags = TagsField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, e.g. fellowship, cardiology, letter."),
    )
    discussed = forms.CharField(
        label=_("What you discussed"),
        required=False,
        max_length=spreadsheet.MAX_DISCUSSED,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = Contact
        fields = [
            "name",
            "role",
            "institution",
            "where_met",
            "where_met_detail",
            "discussed",
            "last_contact_on",
            "follow_up_on",
            "tags",
            "linked_member",
            "board_seat",
        ]
        widgets = {
            "last_contact_on": DATE,
            "follow_up_on": DATE,
        }

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.member = member
        self.fields["linked_member"] = LinkedMemberField(
            queryset=selectors.linkable_members(
                member, keep=self.instance.linked_member_id
            ),
            required=False,
            label=_("Portal member or mentor"),
            help_text=_("Optional: link this contact to someone on the portal."),
        )

    def clean(self):
        cleaned = super().clean()
        try:
            services.contact_check(
                last_contact_on=cleaned.get("last_contact_on"),
                follow_up_on=cleaned.get("follow_up_on"),
                tags=cleaned.get("tags") or [],
            )
        except ValidationError as exc:
            add_errors(self, exc)
        return cleaned


class ContactImportForm(forms.Form):
    file = forms.FileField(
        label=_("Contacts CSV"),
        help_text=_(
            "Columns, in this order: Name, Role, Institution, Where met, What was "
            "discussed, Last contact, Next follow-up, Tags. Only Name is needed. "
            "Dates as 2026-07-01 or 7/1/2026; tags separated by commas. Up to "
            "2,000 rows. Saved from Excel, Numbers or Google Sheets: UTF-8, "
            "UTF-16 (Excel's Unicode text) or Windows-1252 (Excel's plain CSV); "
            "the preview shows how it was read."
        ),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB: split it, up to 2,000 rows a file.")
            )
        return upload


class ContactFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search name or institution"), required=False, max_length=100
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    due = forms.BooleanField(
        label=_("Only follow-ups due (today or overdue)"), required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(k, v[0]) for k, v in selectors.SORTS.items()],
    )

    def __init__(self, *args, tags: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("Any tag")), *[(t, t) for t in tags]]

    def wanted(self) -> selectors.ContactFilter:
        if not self.is_valid():
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        return selectors.ContactFilter(
            q=(data.get("q") or "").replace("\x00", "").strip(),
            tag=data.get("tag") or "",
            due=bool(data.get("due")),
            sort=data.get("sort") or selectors.DEFAULT_SORT,
        )
