"""History and review: a page's revisions, the page as of a date, a revision
with its review buttons, restore, word diffs and the review queue."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from handbook import forms, rules, selectors, services
from handbook.diffing import diff_stats, diff_words
from handbook.models import Revision
from handbook.permissions import (
    can_publish,
)
from handbook.views.mixins import EditorRequiredMixin, PageMixin
from imgportal.form_errors import add_errors, field_errors, refuse
from imgportal.params import as_id
from members.actions import actions_for


class PageHistoryView(EditorRequiredMixin, PageMixin, TemplateView):
    template_name = "handbook/page_history.html"

    def get_context_data(self, **kwargs):
        page = self.get_page()
        return super().get_context_data(
            page=page,
            revisions=selectors.page_history(page),
            as_of_form=forms.AsOfForm(),
            actions=actions_for(page),
            **kwargs,
        )


class PageAsOfView(EditorRequiredMixin, PageMixin, TemplateView):
    """The page as readers saw it at the end of a past day."""

    template_name = "handbook/page_as_of.html"

    def get_context_data(self, **kwargs):
        page = self.get_page()
        form = forms.AsOfForm(self.request.GET or None)
        revision = None
        if form.is_valid():
            revision = selectors.revision_as_of(page, form.cleaned_data["date"])
        return super().get_context_data(
            page=page,
            as_of_form=form,
            revision=revision,
            document=services.render_page(revision.body) if revision else None,
            **kwargs,
        )


class RevisionView(EditorRequiredMixin, FormView):
    """One revision: its text, its changes against what it was based on, the
    review buttons while it is a draft, and the reviewers' requests for changes
    in this round. Its form asks the author for changes."""

    template_name = "handbook/revision_detail.html"
    form_class = forms.RequestChangesForm

    def get_revision(self) -> Revision:
        try:
            return selectors.revision_for_editor(self.kwargs["pk"])
        except Revision.DoesNotExist:
            raise Http404 from None

    def get_context_data(self, **kwargs):
        revision = self.get_revision()
        compare_to = revision.based_on or revision.previous_published
        chunks = diff_words(compare_to.body if compare_to else "", revision.body)
        head = services.head_revision(revision.page)
        return super().get_context_data(
            revision=revision,
            page=revision.page,
            document=services.render_page(revision.body),
            list_warnings=rules.lists_without_blank_line(revision.body),
            review_comments=selectors.review_round(revision),
            may_request_changes=revision.state == Revision.State.DRAFT
            and not revision.is_suggestion
            and revision.author_id != self.request.user.pk,
            may_edit_draft=revision.state
            in (Revision.State.DRAFT, Revision.State.CHANGES_REQUESTED)
            and head is not None
            and head.pk == revision.pk,
            compare_to=compare_to,
            chunks=chunks,
            stats=diff_stats(chunks),
            may_publish=revision.state == Revision.State.DRAFT
            and can_publish(self.request.user, revision),
            stale_base=revision.is_suggestion
            and head is not None
            and revision.based_on_id
            and head.pk not in (revision.pk, revision.based_on_id),
            decline_form=forms.DeclineForm(),
            is_own=revision.author_id == self.request.user.pk,
            is_current=revision.page.published_revision_id == revision.pk,
            **kwargs,
        )

    def form_valid(self, form):
        revision = self.get_revision()
        try:
            services.revision_request_changes(
                revision=revision,
                by=self.request.user,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            if not field_errors(exc, "comment"):
                refuse(self.request, exc)
                return redirect(revision.get_absolute_url())
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Sent back to the author with your comment. They have been emailed; "
            "their next save comes back for review.",
        )
        return redirect(revision.get_absolute_url())


class RevisionReviewView(EditorRequiredMixin, View):
    """POST action=publish or action=decline (with a note)."""

    def post(self, request, pk: int):
        revision = get_object_or_404(
            Revision.objects.select_related("page__chapter"), pk=pk
        )
        try:
            if request.POST.get("action") == "publish":
                services.revision_publish(revision=revision, by=request.user)
                messages.success(request, "Published: readers see this text now.")
                return redirect(revision.page.get_absolute_url())
            if request.POST.get("action") == "decline":
                form = forms.DeclineForm(request.POST)
                note = form.cleaned_data["note"] if form.is_valid() else ""
                services.revision_decline(revision=revision, by=request.user, note=note)
                messages.success(request, "Declined. The author has been told.")
                return redirect("handbook:reviews")
            messages.error(request, "Choose publish or decline.")
        except ValidationError as exc:
            refuse(request, exc)
        return redirect(revision.get_absolute_url())


class RevisionRestoreView(EditorRequiredMixin, FormView):
    template_name = "handbook/revision_restore.html"
    form_class = forms.RestoreForm

    def get_revision(self) -> Revision:
        return get_object_or_404(
            Revision.objects.select_related("page__chapter"), pk=self.kwargs["pk"]
        )

    def get_initial(self):
        return {"summary": f"Restored revision {self.get_revision().number}"}

    def get_context_data(self, **kwargs):
        revision = self.get_revision()
        return super().get_context_data(revision=revision, page=revision.page, **kwargs)

    def form_valid(self, form):
        restored = services.revision_restore(
            revision=self.get_revision(),
            by=self.request.user,
            summary=form.cleaned_data["summary"],
        )
        messages.success(
            self.request,
            f"Revision {restored.restored_from.number} was copied into a new draft "
            f"(revision {restored.number}). Publish it to make it the page's text.",
        )
        return redirect(restored.get_absolute_url())


class DiffView(EditorRequiredMixin, TemplateView):
    """?from=<revision>&to=<revision>, both of the same page."""

    template_name = "handbook/revision_diff.html"

    def get(self, request, *args, **kwargs):
        ids = as_id(request.GET.get("from")), as_id(request.GET.get("to"))
        if None in ids:
            return self._refuse("Choose two revisions to compare.")
        revisions = {
            r.pk: r
            for r in Revision.objects.select_related("page__chapter", "author").filter(
                pk__in=ids
            )
        }
        if len(revisions) != len(set(ids)):
            raise Http404("No such revision")
        old, new = revisions[ids[0]], revisions[ids[1]]
        if old.page_id != new.page_id:
            return self._refuse("Those revisions belong to two different pages.")
        chunks = diff_words(old.body, new.body)
        context = self.get_context_data(
            old=old,
            new=new,
            page=new.page,
            chunks=chunks,
            title_chunks=diff_words(old.title, new.title),
            stats=diff_stats(chunks),
        )
        return self.render_to_response(context)

    def _refuse(self, reason: str):
        return render(self.request, self.template_name, {"refused": reason}, status=400)


class ReviewsView(EditorRequiredMixin, ListView):
    template_name = "handbook/reviews.html"
    context_object_name = "drafts"
    paginate_by = 50

    def get_queryset(self):
        return selectors.pending_reviews(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            due=selectors.pages_due_for_review(timezone.localdate())[:50],
            today=timezone.localdate(),
            **kwargs,
        )
