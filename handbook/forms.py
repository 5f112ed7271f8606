import django_filters
from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from handbook import rules
from handbook.models import Chapter, Page, VisaTimeline, slug_validator
from handbook.timelines import TIMELINE_FIELDS
from imgportal.markdown import validate_document
from members.models import Member

MARKDOWN_HELP = _(
    "Markdown: ## for a section heading, **bold**, - for a list, "
    "[text](https://…) for a link, [[chapter/page]] for another handbook page."
)


class RevisionTextForm(forms.Form):
    """Title, text and a required one-line summary of the change."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 22, "class": "font-monospace"}),
        max_length=100_000,
        help_text=MARKDOWN_HELP,
        validators=[validate_document],
    )
    summary = forms.CharField(
        label=_("What changed"),
        max_length=300,
        help_text=_(
            "One line readers will see in the list of changes, e.g. 'Updated "
            "Mumbai interview wait to 45 days'."
        ),
        error_messages={
            "required": _("Say in a few words what you changed: readers see it.")
        },
    )


class PageEditForm(RevisionTextForm):
    """An editor's edit. `base` is the revision they started from, so a save on
    top of someone else's newer save is caught rather than silently lost."""

    base = forms.IntegerField(widget=forms.HiddenInput, required=False)
    publish = forms.BooleanField(
        label=_("Publish now (you may publish without a second reviewer)"),
        required=False,
    )

    def __init__(self, *args, can_publish_alone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_publish_alone:
            del self.fields["publish"]


class PageCreateForm(PageEditForm):
    slug = forms.CharField(
        label=_("Address"),
        max_length=80,
        required=False,
        validators=[slug_validator],
        help_text=_(
            "Part of the page address; leave empty to make one from the title."
        ),
    )
    members_only = forms.BooleanField(
        label=_("Members only (hidden from visitors who are not signed in)"),
        required=False,
    )
    field_order = ["title", "slug", "body", "summary", "members_only", "publish"]

    def __init__(self, *args, chapter: Chapter, **kwargs):
        self.chapter = chapter
        super().__init__(*args, **kwargs)
        del self.fields["base"]

    def clean(self):
        cleaned = super().clean()
        if "slug" in cleaned and not cleaned["slug"] and cleaned.get("title"):
            cleaned["slug"] = slugify(cleaned["title"])[:80].strip("-")
        slug = cleaned.get("slug")
        if slug and Page.objects.filter(chapter=self.chapter, slug=slug).exists():
            self.add_error(
                "slug", _("This chapter already has a page at that address.")
            )
        return cleaned


class ChapterForm(forms.ModelForm):
    class Meta:
        model = Chapter
        fields = ["title", "slug", "order", "intro", "visa_chapter"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 3})}

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in rules.RESERVED_SLUGS:
            raise forms.ValidationError(
                _("That address is used by the handbook itself.")
            )
        return slug


class PageSettingsForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = ["order", "members_only", "review_interval_months"]


class RestoreForm(forms.Form):
    summary = forms.CharField(
        label=_("Why restore this version?"),
        max_length=300,
        error_messages={"required": _("Say why you are restoring this version.")},
    )


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the author"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the author change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The author gets this by email and sees it on the draft."),
        error_messages={"required": _("Say what the author should change.")},
    )


class PreviewForm(forms.Form):
    """What the live preview renders: the text being typed."""

    body = forms.CharField(max_length=100_000, required=False, strip=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Add an image or a PDF"),
        required=False,
        help_text=_(
            "PNG, JPEG, WebP or GIF up to 5 MB (shrunk to 2,000 pixels a side, "
            "location and camera data removed), or a PDF up to 10 MB. Choose "
            "the file, then Upload: your text is kept."
        ),
        widget=forms.FileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif,.pdf"}
        ),
    )


class AsOfForm(forms.Form):
    date = forms.DateField(
        label=_("Show the page as it was on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class EditorAddForm(forms.Form):
    email = forms.EmailField(
        label=_("Member's email address"),
        help_text=_("They must be an active member of the group."),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        member = (
            Member.objects.select_related("user")
            .filter(user__email__iexact=email)
            .first()
        )
        if member is None:
            raise forms.ValidationError(_("No member has that email address."))
        if member.status != Member.Status.ACTIVE:
            raise forms.ValidationError(_("Only active members can edit the handbook."))
        self.member = member
        return email


class VisaTimelineForm(forms.ModelForm):
    source_url = forms.URLField(
        label=_("Source link"),
        assume_scheme="https",
        help_text=_("Where the figure comes from, e.g. the State Department page."),
    )

    class Meta:
        model = VisaTimeline
        fields = list(TIMELINE_FIELDS)  # what the history records, too
        widgets = {
            "last_verified": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "processing_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_wait_days(self):
        days = self.cleaned_data["wait_days"]
        if days > 1000:
            raise forms.ValidationError(_("A wait over 1,000 days is surely a typo."))
        return days


class VisaTimelineFilter(django_filters.FilterSet):
    country = django_filters.ChoiceFilter(
        label=_("Country"), choices=[], empty_label=_("All countries")
    )
    visa_type = django_filters.ChoiceFilter(
        label=_("Visa type"),
        choices=VisaTimeline.VisaType.choices,
        empty_label=_("All visa types"),
    )

    class Meta:
        model = VisaTimeline
        fields = ["country", "visa_type"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only countries that have rows, by name.
        countries = {t.country.code: t.country.name for t in self.queryset}
        self.filters["country"].extra["choices"] = sorted(
            countries.items(), key=lambda item: item[1]
        )
