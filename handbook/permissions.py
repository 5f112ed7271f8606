"""Who may read, suggest, draft, review and publish handbook pages.

Readers: published pages are public (matched residents read them before they
arrive), except members-only ones. Members (`members.access_portal`) also suggest
edits and watch pages. Editors (`handbook.edit_handbook`: the Handbook editor role
and co-leads) draft, review and see history. Publishing needs a reviewer other
than the author, unless the publisher may publish alone (co-leads)."""

from django.db.models import QuerySet

from handbook.models import Page, Revision
from members.permissions import ACCESS_PORTAL

EDIT = "handbook.edit_handbook"
PUBLISH_ALONE = "handbook.publish_handbook_alone"
MANAGE_EDITORS = "handbook.manage_handbook_editors"


def can_edit(user) -> bool:
    return user.has_perm(EDIT)


def can_take_part(user) -> bool:
    """Suggest edits and watch pages: any approved member."""
    return user.has_perm(ACCESS_PORTAL)


def can_publish(user, revision: Revision) -> bool:
    """A second pair of eyes, or a co-lead."""
    if not can_edit(user):
        return False
    return user.has_perm(PUBLISH_ALONE) or revision.author_id != user.pk


def pages_readable_by(user) -> QuerySet[Page]:
    """Pages whose published text this user may read (editors: drafts too)."""
    pages = Page.objects.all()
    if can_edit(user):
        return pages
    pages = pages.filter(published_revision__isnull=False)
    if not user.has_perm(ACCESS_PORTAL):
        pages = pages.filter(members_only=False)
    return pages
