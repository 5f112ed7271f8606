"""Every write to the handbook: chapters, revisions and their review, watching
and editors (the visa timeline table's writes are in `timelines.py`).

A page's text is only ever added to: each save is a new `Revision` (a database
trigger refuses edits to a saved one). Publishing copies the revision's rendered
text onto the `Page` row with its search vector, so readers and search read one
row. Side effects (emails) are queued after commit, in Celery tasks."""

import re
from functools import cache

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q, Value
from django.urls import reverse
from django.utils import timezone

from handbook import cache as visitor_cache
from handbook import rules, search_terms, selectors, uploads
from handbook.models import (
    Attachment,
    Chapter,
    Page,
    ReviewComment,
    Revision,
    SearchWord,
    Watch,
)
from handbook.permissions import can_edit, can_publish
from members.actions import record
from members.models import Member, Role, User
from members.selectors import member_for_user
from members.services import member_grant_role, member_remove_role
from notifications.models import Category
from notifications.outbox import email_members, email_queue_template

# Words as readers type them: letters and digits, hyphens inside (DS-2019, I-797).


WORD = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")


class EditConflict(Exception):
    """Someone saved the page after this editor opened it."""

    def __init__(self, *, head: Revision):
        super().__init__("The page changed while you were editing it.")
        self.head = head


def _check_slug(slug: str) -> None:
    if slug in rules.RESERVED_SLUGS:
        raise ValidationError({"slug": "That address is used by the handbook itself."})


@transaction.atomic
def chapter_save(*, chapter: Chapter, by: User) -> Chapter:
    """Create or change a chapter (title, address, order, visa flag)."""
    _check_slug(chapter.slug)
    chapter.full_clean()
    before = (
        Chapter.objects.filter(pk=chapter.pk).values().first() if chapter.pk else None
    )
    chapter.save()
    after = Chapter.objects.filter(pk=chapter.pk).values().first()
    if before is None:
        record(actor=by, verb="created", target=chapter)
    elif changed := [key for key, value in after.items() if before[key] != value]:
        record(actor=by, verb="changed", target=chapter, fields=changed)
    for page in chapter.pages.filter(published_revision__isnull=False):
        page_index(page=page, chapter_title=chapter.title)
    transaction.on_commit(visitor_cache.bump)
    return chapter


def _next_number(page: Page) -> int:
    return (page.revisions.aggregate(top=Max("number"))["top"] or 0) + 1


def head_revision(page: Page) -> Revision | None:
    """The newest revision that was not declined: where the next edit starts."""
    return (
        page.revisions.exclude(state=Revision.State.DECLINED)
        .order_by("-number")
        .first()
    )


def _validate_text(*, title: str, body: str, summary: str) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = "Give the page a title."
    if not summary.strip():
        errors["summary"] = "Say in a few words what you changed: readers see it."
    if not body.strip():
        errors["body"] = "The page needs some text."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def page_create(
    *,
    chapter: Chapter,
    title: str,
    slug: str,
    body: str,
    summary: str,
    members_only: bool,
    author: User,
    publish: bool = False,
) -> Page:
    """A new page with its first revision (a draft, or published by a co-lead)."""
    _validate_text(title=title, body=body, summary=summary)
    if Page.objects.filter(chapter=chapter, slug=slug).exists():
        raise ValidationError({"slug": "This chapter already has a page there."})
    page = Page(
        chapter=chapter,
        slug=slug,
        title=title.strip(),
        members_only=members_only,
        order=(chapter.pages.aggregate(top=Max("order"))["top"] or 0) + 1,
        review_interval_months=rules.review_interval_for(
            visa_chapter=chapter.visa_chapter
        ),
    )
    page.full_clean(exclude=["published_revision"])
    page.save()
    revision = _revision_add(
        page=page, title=title, body=body, summary=summary, author=author, base=None
    )
    if publish:
        revision_publish(revision=revision, by=author)
        page.refresh_from_db()
    return page


def _revision_add(
    *,
    page: Page,
    title: str,
    body: str,
    summary: str,
    author: User,
    base: Revision | None,
    suggestion: bool = False,
    restored_from: Revision | None = None,
    notify: bool = True,
) -> Revision:
    revision = Revision(
        page=page,
        number=_next_number(page),
        title=title.strip(),
        body=body.replace("\r\n", "\n"),
        summary=summary.strip(),
        author=author,
        based_on=base,
        is_suggestion=suggestion,
        restored_from=restored_from,
    )
    revision.full_clean(exclude=["page", "author", "based_on", "restored_from"])
    revision.save()
    if notify:
        from handbook.tasks import reviewers_notify_task

        transaction.on_commit(lambda: reviewers_notify_task.delay(revision.pk))
    return revision


def revision_import(
    *, page: Page, title: str, body: str, summary: str, author: User
) -> Revision:
    """A draft brought in by a handbook bundle, on top of the page's newest text.
    No email per draft: an import of forty pages would send each editor forty
    (the command says where the drafts wait instead)."""
    _validate_text(title=title, body=body, summary=summary)
    return _revision_add(
        page=page,
        title=title,
        body=body,
        summary=summary,
        author=author,
        base=head_revision(page),
        notify=False,
    )


@transaction.atomic
def revision_save(
    *,
    page: Page,
    title: str,
    body: str,
    summary: str,
    author: User,
    base: Revision | None,
    publish: bool = False,
) -> Revision:
    """An editor's save: a new draft on top of `base`, refused with EditConflict
    if someone saved the page after `base` (nothing is lost: the caller still has
    the text)."""
    _validate_text(title=title, body=body, summary=summary)
    page = Page.objects.select_for_update().get(pk=page.pk)
    head = head_revision(page)
    if head is not None and (base is None or base.pk != head.pk):
        raise EditConflict(head=head)
    revision = _revision_add(
        page=page, title=title, body=body, summary=summary, author=author, base=base
    )
    if publish:
        revision = revision_publish(revision=revision, by=author)
    return revision


@transaction.atomic
def suggestion_save(
    *, page: Page, title: str, body: str, summary: str, author: User
) -> Revision:
    """A member's suggested edit of the published text: a draft editors review."""
    _validate_text(title=title, body=body, summary=summary)
    page = Page.objects.select_for_update().get(pk=page.pk)
    if page.published_revision_id is None:
        raise ValidationError("Only published pages take suggestions.")
    return _revision_add(
        page=page,
        title=title,
        body=body,
        summary=summary,
        author=author,
        base=page.published_revision,
        suggestion=True,
    )


@transaction.atomic
def revision_restore(*, revision: Revision, by: User, summary: str) -> Revision:
    """Bring back an old text as a new revision (history is never rewritten)."""
    if not summary.strip():
        raise ValidationError({"summary": "Say why you are restoring this version."})
    page = Page.objects.select_for_update().get(pk=revision.page_id)
    restored = _revision_add(
        page=page,
        title=revision.title,
        body=revision.body,
        summary=summary,
        author=by,
        base=head_revision(page),
        restored_from=revision,
    )
    record(
        actor=by,
        verb="restored",
        target=page,
        revision=revision.number,
        new_revision=restored.number,
    )
    return restored


def wiki_targets() -> dict[str, tuple[str, str]]:
    """Every page `[[chapter/page]]` links can name, with its address and title."""
    return {
        f"{chapter_slug}/{slug}": (
            reverse("handbook:page", args=[chapter_slug, slug]),
            title,
        )
        for chapter_slug, slug, title in Page.objects.values_list(
            "chapter__slug", "slug", "title"
        )
    }


@cache
def attachment_paths() -> re.Pattern:
    """The addresses of the handbook's own uploaded files: the only pictures a
    page may show (`/handbook/files/<id>/`)."""
    prefix = reverse("handbook:attachment", args=[1]).removesuffix("1/")
    return re.compile(re.escape(prefix) + r"[1-9][0-9]{0,17}/")


def render_page(body: str):
    """A page's Markdown as readers see it once published: the one renderer and
    sanitiser used for the page, its preview, its revisions and its history."""
    from imgportal.markdown import render_document

    return render_document(body, wiki_targets(), images=attachment_paths())


def page_show(*, page: Page, revision: Revision, now) -> Page:
    """Copy a published revision onto its page: rendered text, table of contents,
    search text and vector, and a fresh review date."""
    document = render_page(revision.body)
    page.published_revision = revision
    page.title = revision.title
    page.body_html = document.html
    page.toc = document.toc
    page.headings_text = document.headings_text
    page.body_text = document.plain_text
    page.published_at = now
    page.last_reviewed_on = timezone.localdate(now)
    page.review_due_on = rules.review_due_on(
        page.last_reviewed_on, page.review_interval_months
    )
    page.save(
        update_fields=[
            "published_revision",
            "title",
            "body_html",
            "toc",
            "headings_text",
            "body_text",
            "published_at",
            "last_reviewed_on",
            "review_due_on",
        ]
    )
    transaction.on_commit(visitor_cache.bump)
    page_index(page=page, chapter_title=page.chapter.title)
    return page


def page_index(*, page: Page, chapter_title: str) -> None:
    """The page's search vector: its title above its chapter's title and its
    headings above its body (PostgreSQL's weights A > B > C), with codes
    written one way ("H-1B" and "H1B" both as "h1b"); and its words for
    correcting near-misses."""
    canonical = search_terms.canonical
    Page.objects.filter(pk=page.pk).update(
        search_vector=SearchVector(
            Value(canonical(page.title)), weight="A", config="english"
        )
        + SearchVector(
            Value(canonical(f"{chapter_title} {page.headings_text}")),
            weight="B",
            config="english",
        )
        + SearchVector(Value(canonical(page.body_text)), weight="C", config="english")
    )
    words_add(f"{page.title} {chapter_title} {page.body_text}")


def words_add(text: str) -> None:
    """Words search may correct a near-miss to."""
    SearchWord.objects.bulk_create(
        [SearchWord(word=word) for word in search_words(text)],
        ignore_conflicts=True,
    )


def search_words(text: str) -> set[str]:
    """The distinct words of a text, as search corrects queries to them (codes
    both ways: "ds-2019" and "ds2019")."""
    words = WORD.findall(text.lower())
    words += WORD.findall(search_terms.canonical(text).lower())
    return {w for w in words if 2 <= len(w) <= 40}


@transaction.atomic
def revision_publish(*, revision: Revision, by: User) -> Revision:
    """Make a draft the page's text: readers, search and watchers see it now."""
    page = Page.objects.select_for_update().get(pk=revision.page_id)
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != Revision.State.DRAFT:
        raise ValidationError(
            f"This revision is already {revision.get_state_display().lower()}."
        )
    if not can_publish(by, revision):
        raise ValidationError(
            "Someone other than the author must review this edit before it is "
            "published (co-leads may publish alone)."
        )
    now = timezone.now()
    revision.state = Revision.State.PUBLISHED
    revision.reviewed_by, revision.reviewed_at = by, now
    revision.published_at = now
    revision.previous_published_id = page.published_revision_id
    revision.save(
        update_fields=[
            "state",
            "reviewed_by",
            "reviewed_at",
            "published_at",
            "previous_published",
        ]
    )
    # Editors' drafts this one was built on (and those sent back for changes)
    # are folded into it.
    page.revisions.filter(
        state__in=[Revision.State.DRAFT, Revision.State.CHANGES_REQUESTED],
        is_suggestion=False,
        number__lt=revision.number,
    ).update(state=Revision.State.SUPERSEDED)
    page_show(page=page, revision=revision, now=now)
    record(actor=by, verb="published", target=page, revision=revision.number)
    from handbook.tasks import watchers_notify_task

    transaction.on_commit(lambda: watchers_notify_task.delay(revision.pk))
    if revision.is_suggestion and revision.author_id != by.pk:
        _tell_author(revision, "published")
    return revision


@transaction.atomic
def revision_decline(*, revision: Revision, by: User, note: str) -> Revision:
    """Turn a draft down, with a note to its author."""
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != Revision.State.DRAFT:
        raise ValidationError(
            f"This revision is already {revision.get_state_display().lower()}."
        )
    if not can_edit(by):
        raise ValidationError("Only handbook editors review edits.")
    revision.state = Revision.State.DECLINED
    revision.reviewed_by, revision.reviewed_at = by, timezone.now()
    revision.review_note = note.strip()[:500]
    revision.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
    record(actor=by, verb="declined", target=revision.page, revision=revision.number)
    if revision.author_id != by.pk:
        _tell_author(revision, "declined")
    return revision


@transaction.atomic
def revision_request_changes(
    *, revision: Revision, by: User, comment: str
) -> ReviewComment:
    """Send an editor's draft back to its author with what should change. The
    draft stays the page's newest text, so the author edits on from it and saves
    again for another review; the comment stays with the draft."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say what the author should change."})
    if len(comment) > 2000:
        raise ValidationError({"comment": "Keep it under 2,000 characters."})
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != Revision.State.DRAFT:
        raise ValidationError(
            f"This revision is already {revision.get_state_display().lower()}."
        )
    if not can_edit(by):
        raise ValidationError("Only handbook editors review edits.")
    if revision.is_suggestion:
        raise ValidationError(
            "A member's suggestion is published or declined (with a note): its "
            "author cannot edit it further."
        )
    if revision.author_id == by.pk:
        raise ValidationError("You wrote this edit: edit it yourself instead.")
    now = timezone.now()
    revision.state = Revision.State.CHANGES_REQUESTED
    revision.reviewed_by, revision.reviewed_at = by, now
    revision.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    note = ReviewComment.objects.create(
        revision=revision, by=by, body=comment, created_at=now
    )
    record(
        actor=by,
        verb="changes_requested",
        target=revision.page,
        revision=revision.number,
    )
    email_queue_template(
        key=f"handbook-changes:{revision.pk}",
        to=revision.author.email,
        template_prefix="handbook/email/changes_requested",
        context={
            "revision": revision,
            "comment": note,
            "reviewer": by.get_full_name() or "A handbook editor",
            "draft_url": settings.SITE_URL + revision.get_absolute_url(),
        },
    )
    return note


# The extensions a download name may keep for each type a file is stored as
# (the first is given when the name has none of them).
EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/pdf": (".pdf",),
}


def attachment_file_name(name: str, content_type: str) -> str:
    """`name` with the extension of what the file is stored as: "bw.gif",
    re-encoded as PNG, downloads as "bw.png" ("scan.jpeg" stays)."""
    known = EXTENSIONS.get(content_type)
    if not known:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem = name
    elif f".{extension.lower()}" in known:
        return name
    return f"{stem.rstrip(' .') or 'file'}{known[0]}"


@transaction.atomic
def attachment_upload(*, page: Page, upload, by: User) -> Attachment:
    """An image or PDF for a page: its kind judged from its bytes, images
    re-encoded without EXIF, stored through the default storage."""
    limit = max(settings.HANDBOOK_IMAGE_MAX_BYTES, settings.HANDBOOK_PDF_MAX_BYTES)
    if upload.size > limit:
        raise ValidationError(
            {
                "file": f"Files can be up to {limit // 1024 // 1024} MB; this one is "
                f"{upload.size / 1024 / 1024:.0f} MB."
            }
        )
    try:
        clean = uploads.clean_upload(upload.read())
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    attachment = Attachment(
        page=page,
        kind=clean.kind,
        content_type=clean.content_type,
        original_name=attachment_file_name(
            uploads.clean_name(upload.name), clean.content_type
        ),
        size=len(clean.content),
        width=clean.width,
        height=clean.height,
        uploaded_by=member_for_user(by),
    )
    attachment.file.save("upload", ContentFile(clean.content), save=False)
    stored = attachment.file.name
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    record(actor=by, verb="created", target=attachment, page=page.pk)
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by: User) -> None:
    """Remove a page's file: its row now, the stored file once that is committed
    (a rollback keeps both)."""
    attachment = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
    if attachment is None:
        raise ValidationError("That file was already deleted.")
    name, storage = attachment.file.name, attachment.file.storage
    record(actor=by, verb="deleted", target=attachment, page=attachment.page_id)
    attachment.delete()
    if name:
        # robust: a storage that fails (a bucket down) only logs; the row is gone
        # and the file is an orphan nobody can reach.
        transaction.on_commit(lambda: storage.delete(name), robust=True)


def _tell_author(revision: Revision, outcome: str) -> None:
    email_queue_template(
        key=f"handbook-{outcome}:{revision.pk}",
        to=revision.author.email,
        template_prefix=f"handbook/email/{outcome}",
        context={
            "revision": revision,
            "page_url": settings.SITE_URL + revision.page.get_absolute_url(),
        },
    )


@transaction.atomic
def page_settings_update(
    *, page: Page, by: User, order: int, members_only: bool, review_interval_months: int
) -> Page:
    """Order, visibility and review interval (not text: that takes a revision)."""
    page = Page.objects.select_for_update().get(pk=page.pk)
    before = (page.order, page.members_only, page.review_interval_months)
    page.order, page.members_only = order, members_only
    page.review_interval_months = review_interval_months
    page.review_due_on = rules.review_due_on(
        page.last_reviewed_on, review_interval_months
    )
    page.full_clean(exclude=["published_revision"])
    page.save(
        update_fields=[
            "order",
            "members_only",
            "review_interval_months",
            "review_due_on",
        ]
    )
    if before != (order, members_only, review_interval_months):
        record(
            actor=by,
            verb="settings",
            target=page,
            order=order,
            members_only=members_only,
            review_every_months=review_interval_months,
        )
    transaction.on_commit(visitor_cache.bump)
    return page


@transaction.atomic
def page_mark_verified(*, page: Page, by: User) -> Page:
    """An editor checked the page against its sources: nothing needed to change."""
    page = Page.objects.select_for_update().get(pk=page.pk)
    if not page.is_published:
        raise ValidationError("Publish the page before marking it as verified.")
    page.last_reviewed_on = timezone.localdate()
    page.review_due_on = rules.review_due_on(
        page.last_reviewed_on, page.review_interval_months
    )
    page.save(update_fields=["last_reviewed_on", "review_due_on"])
    record(actor=by, verb="verified", target=page)
    transaction.on_commit(visitor_cache.bump)
    return page


def watch_set(
    *, member: Member, watching: bool, page: Page | None = None, chapter=None
) -> bool:
    """Start or stop watching a page or a chapter; safe to repeat."""
    target = {"page": page} if page is not None else {"chapter": chapter}
    if watching:
        Watch.objects.get_or_create(member=member, **target)
    else:
        Watch.objects.filter(member=member, **target).delete()
    return watching


def watchers_notify(*, revision_id: int) -> int:
    """Email everyone watching the page or its chapter that it was published anew
    (once per revision and member, so a retried task sends nothing twice)."""
    revision = (
        Revision.objects.select_related("page__chapter")
        .filter(pk=revision_id, state=Revision.State.PUBLISHED)
        .first()
    )
    if revision is None:
        return 0
    page = revision.page
    watchers = (
        Member.objects.active()
        .filter(
            Q(handbook_watches__page=page) | Q(handbook_watches__chapter=page.chapter)
        )
        .exclude(user=revision.reviewed_by_id)
        .select_related("user")
        .distinct()
    )
    return email_members(
        watchers,
        key=f"handbook-watch:{revision.pk}",
        template_prefix="handbook/email/watch",
        category=Category.HANDBOOK,
        each_in_own_transaction=True,
        context={
            "revision": revision,
            "page_url": settings.SITE_URL + page.get_absolute_url(),
        },
    )


def reviewers_notify(*, revision_id: int) -> int:
    """Tell editors (not the author) that a draft waits for their review."""
    revision = (
        Revision.objects.select_related("page", "author")
        .filter(pk=revision_id, state=Revision.State.DRAFT)
        .first()
    )
    if revision is None:
        return 0
    return email_members(
        selectors.editors().exclude(user_id=revision.author_id),
        key=f"handbook-review:{revision.pk}",
        template_prefix="handbook/email/review",
        category=Category.HANDBOOK,
        each_in_own_transaction=True,
        context={
            "revision": revision,
            "review_url": settings.SITE_URL + revision.get_absolute_url(),
        },
    )


def review_due_send(*, now=None) -> int:
    """Weekly: email each editor the pages due for review (once per ISO week)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = list(selectors.pages_due_for_review(today))
    if not due:
        return 0
    year, week, _ = today.isocalendar()
    pages = [
        {
            "title": p.title,
            "due": p.review_due_on,
            "stale": p.is_stale(today),
            "url": settings.SITE_URL + p.get_absolute_url(),
        }
        for p in due
    ]
    return email_members(
        selectors.editors(),
        key=f"handbook-due:{year}-W{week:02d}",
        template_prefix="handbook/email/due",
        category=Category.HANDBOOK,
        each_in_own_transaction=True,
        context={"pages": pages},
    )


def editor_add(*, member: Member, by: User) -> Member:
    """Give an active member the Handbook editor role (audited like any role)."""
    return member_grant_role(member=member, role=Role.HANDBOOK_EDITOR, by=by)


def editor_remove(*, member: Member, by: User) -> Member:
    return member_remove_role(member=member, role=Role.HANDBOOK_EDITOR, by=by)
