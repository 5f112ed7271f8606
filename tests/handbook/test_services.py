"""Revisions, review, restore, conflicts, watching and freshness, as the data holds
them and as the people involved are emailed."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from handbook import selectors, services, timelines
from handbook.models import Page, Revision, VisaTimelineChange
from members.models import Role
from notifications import preferences
from notifications.models import Category, OutboundEmail
from tests.factories import (
    ChapterFactory,
    MemberFactory,
    TimelineFactory,
    published_page,
)

pytestmark = pytest.mark.django_db


def _edit(page, author, body, *, base=None, summary="Clearer wording", **extra):
    return services.revision_save(
        page=page,
        title=page.title,
        body=body,
        summary=summary,
        author=author,
        base=base or services.head_revision(page),
        **extra,
    )


def test_an_editors_save_is_a_draft_readers_do_not_see_until_reviewed(
    co_lead, handbook_editor
):
    page = published_page(by=co_lead.user)
    draft = _edit(page, handbook_editor.user, "Brand new advice.")
    page.refresh_from_db()
    assert draft.state == Revision.State.DRAFT
    assert "Brand new advice" not in page.body_html
    with pytest.raises(ValidationError, match="Someone other than the author"):
        services.revision_publish(revision=draft, by=handbook_editor.user)
    other_editor = MemberFactory(roles=[Role.RESIDENT, Role.HANDBOOK_EDITOR])
    services.revision_publish(revision=draft, by=other_editor.user)
    page.refresh_from_db()
    assert "Brand new advice" in page.body_html
    assert page.published_revision == draft
    assert page.last_reviewed_on == timezone.localdate()


def test_a_co_lead_may_publish_their_own_edit(co_lead):
    page = published_page(by=co_lead.user)
    revision = _edit(page, co_lead.user, "Updated by a co-lead.", publish=True)
    assert revision.state == Revision.State.PUBLISHED
    assert revision.reviewed_by == co_lead.user


def test_publishing_twice_is_refused(co_lead, handbook_editor):
    page = published_page(by=co_lead.user)
    with pytest.raises(ValidationError, match="already published"):
        services.revision_publish(revision=page.published_revision, by=co_lead.user)


def test_a_saved_revisions_text_can_never_change_or_be_deleted(co_lead):
    """History is never rewritten: the database itself refuses."""
    revision = published_page(by=co_lead.user).published_revision
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        Revision.objects.filter(pk=revision.pk).update(body="rewritten")
    with (
        pytest.raises(DatabaseError, match="cannot be deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM handbook_revision WHERE id = %s", [revision.pk])


def test_an_empty_change_summary_is_refused(co_lead):
    page = published_page(by=co_lead.user)
    with pytest.raises(ValidationError) as error:
        _edit(page, co_lead.user, "New text", summary="   ")
    assert "summary" in error.value.message_dict


def test_restoring_an_old_revision_adds_a_new_one_and_keeps_history(co_lead):
    page = published_page(by=co_lead.user, body="Version one.")
    first = page.published_revision
    _edit(page, co_lead.user, "Version two, wrong.", publish=True)
    restored = services.revision_restore(
        revision=first, by=co_lead.user, summary="Back to version one"
    )
    assert restored.number == 3
    assert restored.body == "Version one."
    assert restored.restored_from == first
    assert list(page.revisions.order_by("number").values_list("body", flat=True)) == [
        "Version one.",
        "Version two, wrong.",
        "Version one.",
    ]
    services.revision_publish(revision=restored, by=co_lead.user)
    page.refresh_from_db()
    assert "Version one." in page.body_html


def test_a_second_save_on_an_old_base_is_told_the_page_changed(
    co_lead, handbook_editor
):
    page = published_page(by=co_lead.user)
    opened_by_both = services.head_revision(page)
    _edit(page, handbook_editor.user, "First editor's text.", base=opened_by_both)
    with pytest.raises(services.EditConflict) as conflict:
        _edit(page, co_lead.user, "Second editor's text.", base=opened_by_both)
    assert conflict.value.head.body == "First editor's text."
    assert page.revisions.count() == 2  # nothing saved for the second editor


def test_a_members_suggestion_becomes_a_draft_and_the_author_hears_the_outcome(
    co_lead, resident, django_capture_on_commit_callbacks
):
    page = published_page(by=co_lead.user)
    suggestion = services.suggestion_save(
        page=page,
        title=page.title,
        body="Better advice.",
        summary="Fixed the deposit advice",
        author=resident.user,
    )
    assert suggestion.is_suggestion and suggestion.state == Revision.State.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_decline(revision=suggestion, by=co_lead.user, note="Source?")
    email = OutboundEmail.objects.get(to=resident.user.email)
    assert "was not published" in email.subject
    assert "Source?" in email.body_text


def test_editors_are_told_of_a_draft_waiting_for_review(
    co_lead, handbook_editor, resident, django_capture_on_commit_callbacks
):
    page = published_page(by=co_lead.user)
    with django_capture_on_commit_callbacks(execute=True):
        _edit(page, handbook_editor.user, "Needs review.")
    told = set(
        OutboundEmail.objects.filter(
            idempotency_key__startswith="handbook-review"
        ).values_list("to", flat=True)
    )
    assert told == {co_lead.user.email}  # not the author, not residents


def test_watchers_are_emailed_once_when_a_watched_page_is_published(
    co_lead, resident, mentor, django_capture_on_commit_callbacks
):
    page = published_page(by=co_lead.user)
    services.watch_set(member=resident, page=page, watching=True)
    services.watch_set(member=resident, chapter=page.chapter, watching=True)
    services.watch_set(member=mentor, chapter=page.chapter, watching=True)
    preferences.unsubscribe(member_id=mentor.pk, category=Category.HANDBOOK)
    with django_capture_on_commit_callbacks(execute=True):
        revision = _edit(page, co_lead.user, "New deposit rules.", publish=True)
    assert (
        services.watchers_notify(revision_id=revision.pk) == 2
    )  # a retry: no new rows
    emails = OutboundEmail.objects.filter(idempotency_key__startswith="handbook-watch")
    assert sorted(emails.values_list("to", "status")) == sorted(
        [(resident.user.email, "sent"), (mentor.user.email, "skipped")]
    )


def test_pages_due_for_review_are_sent_to_editors_once_a_week(co_lead, handbook_editor):
    page = published_page(by=co_lead.user)
    Page.objects.filter(pk=page.pk).update(
        review_due_on=timezone.localdate() - timedelta(days=1)
    )
    fresh = published_page(by=co_lead.user, title="Fresh page")
    assert services.review_due_send() == 2
    assert services.review_due_send() == 2  # same week: same keys, nothing new
    emails = OutboundEmail.objects.filter(idempotency_key__startswith="handbook-due")
    assert emails.count() == 2
    assert page.title in emails.first().body_text
    assert fresh.title not in emails.first().body_text


def test_a_stale_page_says_so(co_lead):
    page = published_page(by=co_lead.user)
    assert not page.is_stale()
    page.review_due_on = timezone.localdate() - timedelta(days=1)
    assert page.is_stale()


def test_visa_chapter_pages_are_reviewed_every_six_months(co_lead):
    page = published_page(by=co_lead.user, chapter=ChapterFactory(visa_chapter=True))
    assert page.review_interval_months == 6
    assert page.review_due_on.month != page.last_reviewed_on.month


def test_co_leads_add_and_remove_editors_and_it_is_audited(co_lead, resident):
    services.editor_add(member=resident, by=co_lead.user)
    assert resident.user.has_perm("handbook.edit_handbook")
    assert resident.audit_entries.filter(action="role_granted").exists()
    services.editor_remove(member=resident, by=co_lead.user)
    resident.user.refresh_from_db()
    del resident.user._perm_cache, resident.user._group_perm_cache
    assert not resident.user.has_perm("handbook.edit_handbook")


def test_timeline_changes_are_kept_in_history(co_lead):
    timeline = TimelineFactory()
    timeline.wait_days = 90
    timelines.timeline_save(timeline=timeline, by=co_lead.user)
    change = VisaTimelineChange.objects.get()
    assert change.changes["wait_days"] == ["45", "90"]
    timelines.timeline_delete(timeline=timeline, by=co_lead.user)
    assert VisaTimelineChange.objects.filter(action="deleted").count() == 1


def test_two_pages_cannot_share_an_address_in_one_chapter(co_lead):
    page = published_page(by=co_lead.user)
    with pytest.raises((ValidationError, IntegrityError)):
        published_page(by=co_lead.user, chapter=page.chapter, slug=page.slug)


def test_the_weekly_digest_lists_published_changes(co_lead):
    page = published_page(by=co_lead.user)
    _edit(page, co_lead.user, "Updated.", summary="New deposit rules", publish=True)
    section = selectors.digest_handbook_changes(timezone.now() - timedelta(days=7))
    assert section[0] == "Handbook updates"
    assert any("New deposit rules" in line for line in section[1])
