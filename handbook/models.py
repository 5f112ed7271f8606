import re
import uuid

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from handbook import rules
from members.models import Member, User

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lower-case letters, digits and single hyphens, e.g. finding-a-flat."),
)


class Chapter(models.Model):
    """A chapter of the handbook (Housing, Travel and visa renewal, …), in order."""

    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(
        _("address"),
        max_length=60,
        unique=True,
        validators=[slug_validator],
        help_text=_("Part of the page address: /handbook/<address>/."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    intro = models.TextField(
        _("introduction"), blank=True, max_length=1000, help_text=_("One paragraph.")
    )
    visa_chapter = models.BooleanField(
        _("visa chapter"),
        default=False,
        help_text=_(
            "Visa pages are reviewed every 6 months (others 12), and the chapter "
            "links the consulate wait-time table."
        ),
    )

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("handbook:chapter", args=[self.slug])


class Page(models.Model):
    """A handbook page. Its text lives in revisions; the published one is copied
    here (rendered, with its search vector) so reading and searching are one row."""

    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.PROTECT,
        related_name="pages",
        verbose_name=_("chapter"),
    )
    slug = models.SlugField(_("address"), max_length=80, validators=[slug_validator])
    order = models.PositiveSmallIntegerField(_("order in the chapter"), default=0)
    members_only = models.BooleanField(
        _("members only"),
        default=False,
        help_text=_("Hide this page from visitors who are not signed in."),
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review every (months)"),
        default=rules.DEFAULT_REVIEW_MONTHS,
        choices=[(3, "3"), (6, "6"), (12, "12"), (24, "24")],
    )
    last_reviewed_on = models.DateField(_("last verified on"), null=True, blank=True)
    review_due_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    # What readers see: a copy of the published revision (page_publish keeps it).
    published_revision = models.ForeignKey(
        "Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(default="", editable=False)
    toc = models.JSONField(default=list, editable=False)
    headings_text = models.TextField(default="", editable=False)
    body_text = models.TextField(default="", editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("handbook page")
        verbose_name_plural = _("handbook pages")
        ordering = ["chapter__order", "order", "title"]
        permissions = [
            ("edit_handbook", "Can draft and review handbook pages"),
            ("publish_handbook_alone", "Can publish handbook edits without a reviewer"),
            ("manage_handbook_editors", "Can choose the handbook editors"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "slug"], name="handbook_page_slug_per_chapter"
            )
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="handbook_page_search"),
            models.Index(fields=["review_due_on"], name="handbook_page_due"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("handbook:page", args=[self.chapter.slug, self.slug])

    @property
    def wiki_key(self) -> str:
        """What `[[chapter/page]]` links use to name this page."""
        return f"{self.chapter.slug}/{self.slug}"

    @property
    def is_published(self) -> bool:
        return self.published_revision_id is not None

    def is_stale(self, today=None) -> bool:
        return rules.is_stale(self.review_due_on, today or timezone.localdate())


class Revision(models.Model):
    """One save of a page. Its text never changes (a database trigger refuses);
    only its review state moves: draft → published, declined or superseded."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")
        # A reviewer asked the author for changes: the author edits and saves
        # again (a new draft on top of this one), which goes back for review.
        CHANGES_REQUESTED = "changes", _("Changes requested")
        SUPERSEDED = "superseded", _("Replaced by a later edit")

    page = models.ForeignKey(Page, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=100_000)
    summary = models.CharField(
        _("what changed"),
        max_length=300,
        help_text=_("One line readers will see, e.g. 'New consulate wait times'."),
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    restored_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_suggestion = models.BooleanField(
        default=False, help_text=_("Suggested by a member who is not an editor.")
    )
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.DRAFT, db_index=True
    )
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("note to the author"), max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    previous_published = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["page", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "number"], name="handbook_revision_number_per_page"
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="handbook_published_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(summary=""), name="handbook_revision_has_summary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.page} · revision {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("handbook:revision", args=[self.pk])


class ReviewComment(models.Model):
    """A reviewer's "request changes" on a draft: what the author should change.
    Kept with the draft, so the next round's reviewer reads the earlier ones."""

    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="review_comments"
    )
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("what should change"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body=""), name="handbook_review_comment_has_text"
            )
        ]

    def __str__(self) -> str:
        return f"Comment on {self.revision}"


def attachment_path(attachment: "Attachment", filename: str) -> str:
    """Where storage keeps a file: a random name, never what the uploader typed."""
    return f"handbook/{attachment.page_id}/{uuid.uuid4().hex}{attachment.extension}"


class Attachment(models.Model):
    """An image or PDF uploaded to a page, served by the portal itself
    (`handbook:attachment`) to whoever may read the page. Images are re-encoded
    on upload (no EXIF, no hidden payload); PDFs are checked to be PDFs."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        PDF = "pdf", _("PDF")

    page = models.ForeignKey(Page, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    content_type = models.CharField(max_length=40)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(help_text=_("Bytes, as stored."))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["page", "-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("handbook:attachment", args=[self.pk])

    @property
    def extension(self) -> str:
        return {"image/png": ".png", "image/jpeg": ".jpg"}.get(
            self.content_type, ".pdf"
        )

    @property
    def markdown(self) -> str:
        """What an editor pastes into the page to show or link this file."""
        label = re.sub(r"[\[\]\\]", "", self.original_name.rsplit(".", 1)[0])
        if self.kind == self.Kind.IMAGE:
            return f"![{label or 'Image'}]({self.get_absolute_url()})"
        return f"[{label or 'PDF'} (PDF)]({self.get_absolute_url()})"


class SearchWord(models.Model):
    """Every word of the published handbook: search corrects a near-miss ("travle
    signatur", "DS2019") to the closest words here (pg_trgm), then searches again.
    A short table of distinct words is what pg_trgm's own documentation suggests:
    far cheaper than comparing the query with every page's whole text."""

    word = models.CharField(max_length=40, unique=True)

    class Meta:
        indexes = [
            GinIndex(
                fields=["word"],
                name="handbook_word_trigram",
                opclasses=["gin_trgm_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.word


class Watch(models.Model):
    """A member wants an email when a page (or any page of a chapter) is published."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="handbook_watches"
    )
    chapter = models.ForeignKey(
        Chapter, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    page = models.ForeignKey(
        Page, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(chapter__isnull=True) ^ Q(page__isnull=True),
                name="handbook_watch_one_target",
            ),
            models.UniqueConstraint(
                fields=["member", "chapter"], name="handbook_watch_chapter_once"
            ),
            models.UniqueConstraint(
                fields=["member", "page"], name="handbook_watch_page_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} watches {self.page or self.chapter}"


class VisaTimeline(models.Model):
    """A consulate's typical interview wait for one visa class, with its source."""

    class VisaType(models.TextChoices):
        J1 = "J-1", "J-1"
        J2 = "J-2", "J-2"
        H1B = "H-1B", "H-1B"
        H4 = "H-4", "H-4"
        O1 = "O-1", "O-1"
        E3 = "E-3", "E-3"
        F1 = "F-1", "F-1"

    country = CountryField(_("country"))
    visa_type = models.CharField(_("visa type"), max_length=5, choices=VisaType.choices)
    post = models.CharField(
        _("consulate or post"), max_length=120, help_text=_("e.g. Mumbai")
    )
    wait_days = models.PositiveIntegerField(
        _("typical interview wait (days)"),
        help_text=_("As published in the State Department's Global Visa Wait Times."),
    )
    processing_notes = models.TextField(
        _("processing notes"), blank=True, max_length=2000
    )
    last_verified = models.DateField(_("last verified"))
    source_url = models.URLField(_("source link"))
    is_example = models.BooleanField(
        _("example, to be verified"),
        default=False,
        help_text=_("Demo or unconfirmed figures: shown with a warning."),
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Country names (with the common ones: "UK", "Korea"), post, visa type and
    # notes, for the handbook search (timelines.timeline_search_text).
    search_text = models.TextField(default="", editable=False)

    class Meta:
        verbose_name = _("visa timeline")
        verbose_name_plural = _("visa timelines")
        ordering = ["country", "visa_type", "post"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "visa_type", "post"],
                name="handbook_timeline_once_per_post",
            ),
            models.CheckConstraint(
                condition=Q(wait_days__lte=1000), name="handbook_timeline_wait_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} ({self.get_country_display()}), {self.visa_type}"


class VisaTimelineChange(models.Model):
    """History of a timeline row: who changed what, and when (rows kept on delete)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Added")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")

    timeline = models.ForeignKey(
        VisaTimeline,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    label = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.label}: {self.action}"
