import logging

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from redis.exceptions import RedisError

from handbook import cache as visitor_cache
from handbook import forms, selectors, services
from handbook.diffing import diff_stats, diff_words
from handbook.models import Chapter, Page, Revision, VisaTimeline, VisaTimelineChange
from handbook.permissions import (
    EDIT,
    MANAGE_EDITORS,
    PUBLISH_ALONE,
    can_edit,
    can_publish,
    can_take_part,
)
from imgportal.form_errors import add_errors, refuse
from imgportal.markdown import render_document
from imgportal.params import as_id, id_or_404
from members import selectors as member_selectors
from members.actions import actions_for
from members.permissions import PortalPermissionRequiredMixin

logger = logging.getLogger(__name__)


class EditorRequiredMixin(PortalPermissionRequiredMixin):
    permission_required = EDIT


class PageMixin:
    """Loads the page in the URL if this viewer may read it: a members-only page
    sends a visitor to sign in; anything else they may not read is a 404."""

    def get_page(self) -> Page:
        if not hasattr(self, "_page"):
            chapter, slug = self.kwargs["chapter_slug"], self.kwargs["page_slug"]
            try:
                self._page = selectors.page_for(self.request.user, chapter, slug)
            except Page.DoesNotExist:
                raise Http404("No such page") from None
        return self._page

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            page = Page.objects.filter(
                chapter__slug=kwargs["chapter_slug"],
                slug=kwargs["page_slug"],
                members_only=True,
                published_revision__isnull=False,
            )
            if page.exists():
                return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


# --- Reading --------------------------------------------------------------------


class HandbookIndexView(TemplateView):
    template_name = "handbook/handbook_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            chapters=selectors.chapters_for(self.request.user),
            changes=selectors.recent_changes(self.request.user)[:5],
            can_edit=can_edit(self.request.user),
            **kwargs,
        )


class ChapterView(TemplateView):
    template_name = "handbook/chapter_detail.html"

    def get_context_data(self, **kwargs):
        try:
            chapter = selectors.chapter_for(
                self.request.user, self.kwargs["chapter_slug"]
            )
        except Chapter.DoesNotExist:
            raise Http404("No such chapter") from None
        member = member_selectors.member_for_user(self.request.user)
        return super().get_context_data(
            chapter=chapter,
            can_edit=can_edit(self.request.user),
            can_take_part=can_take_part(self.request.user),
            watching=member is not None
            and member.handbook_watches.filter(chapter=chapter).exists(),
            today=timezone.localdate(),
            **kwargs,
        )


class ChapterPrintView(ChapterView):
    """Every readable page of a chapter in one document, for printing."""

    template_name = "handbook/chapter_print.html"


class VisitorCacheMixin:
    """GET responses for visitors (not signed in, no pending messages) come from
    Redis, under a key that names the handbook generation (handbook/cache.py).
    Looked up before any check: only what every visitor may see is cached, and
    any change of content or visibility starts a new generation. With Redis
    down, visitors get the page rendered as for anyone else."""

    visitor_timeout = visitor_cache.TIMEOUT
    visitor_cache_key: str | None = None

    def visitor_key(self) -> str:
        raise NotImplementedError

    def _visitor_key(self, request) -> str | None:
        if (
            request.method != "GET"
            or request.user.is_authenticated
            or len(get_messages(request))
        ):
            return None
        return self.visitor_key()

    def dispatch(self, request, *args, **kwargs):
        try:
            key = self._visitor_key(request)
            html = cache.get(key) if key else None
        except RedisError:
            logger.warning("Redis unavailable: rendering the handbook for a visitor")
            key = html = None
        if html is not None:
            return HttpResponse(html)
        self.visitor_cache_key = key
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs).render()
        key = self.visitor_cache_key
        if key and response.status_code == 200:
            try:
                cache.set(key, response.content.decode(), self.visitor_timeout)
            except RedisError:
                logger.warning("Redis unavailable: a visitor's page was not cached")
        return response


class PageView(VisitorCacheMixin, PageMixin, TemplateView):
    template_name = "handbook/page_detail.html"

    def visitor_key(self) -> str:
        return visitor_cache.page_key(
            self.kwargs["chapter_slug"], self.kwargs["page_slug"]
        )

    def get_context_data(self, **kwargs):
        page = self.get_page()
        user = self.request.user
        editor = can_edit(user)
        member = member_selectors.member_for_user(user)
        return super().get_context_data(
            page=page,
            siblings=selectors.siblings(page, user),
            can_edit=editor,
            can_take_part=can_take_part(user),
            watching=selectors.is_watching(member, page),
            pending=selectors.pending_count(page) if editor else 0,
            stale=page.is_stale(),
            **kwargs,
        )


class SearchView(VisitorCacheMixin, TemplateView):
    template_name = "handbook/search.html"
    visitor_timeout = visitor_cache.SEARCH_TIMEOUT

    def raw_query(self) -> str:
        raw = self.request.GET.get("q", "")
        return raw if isinstance(raw, str) else ""

    def exact(self) -> bool:
        return self.request.GET.get("exact") == "1"

    def visitor_key(self) -> str:
        raw = self.raw_query()
        return visitor_cache.search_key(
            f"{int(self.exact())}:{len(raw.strip()) > selectors.SEARCH_MAX_LENGTH}:"
            f"{selectors.clean_query(raw)}"
        )

    def get_context_data(self, **kwargs):
        raw = self.raw_query()
        query = selectors.clean_query(raw)
        search = selectors.search_pages(self.request.user, raw, exact=self.exact())
        return super().get_context_data(
            query=query,
            results=search.results,
            suggestion=search.corrected,
            notice=search.notice,
            searched=search.searched,
            exact_url=f"{reverse('handbook:search')}?"
            f"{urlencode({'q': query, 'exact': '1'})}",
            **kwargs,
        )


class ChangesView(ListView):
    """Recent published changes with their summaries (diff links for editors)."""

    template_name = "handbook/changes.html"
    context_object_name = "changes"
    paginate_by = 30

    def get_queryset(self):
        return selectors.recent_changes(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_edit=can_edit(self.request.user), **kwargs)


class TimelineListView(TemplateView):
    """The consulate wait table, filterable, the reader's home country marked."""

    template_name = "handbook/timeline_list.html"

    def get_context_data(self, **kwargs):
        table = forms.VisaTimelineFilter(
            self.request.GET or None, queryset=selectors.timelines()
        )
        member = member_selectors.member_for_user(self.request.user)
        return super().get_context_data(
            filter=table,
            rows=table.qs if table.is_bound and table.is_valid() else table.queryset,
            home_country=member.home_country.code
            if member and member.home_country
            else "",
            can_edit=can_edit(self.request.user),
            **kwargs,
        )


# --- Taking part: suggestions and watching -----------------------------------------


class PageSuggestView(PortalPermissionRequiredMixin, PageMixin, FormView):
    """Any member proposes a change to the published text; editors review it."""

    template_name = "handbook/page_form.html"
    form_class = forms.RevisionTextForm

    def get_initial(self):
        page = self.get_page()
        if not page.is_published:
            raise Http404("Not published yet")
        return {
            "title": page.published_revision.title,
            "body": page.published_revision.body,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(page=self.get_page(), mode="suggest", **kwargs)

    def form_valid(self, form):
        try:
            services.suggestion_save(
                page=self.get_page(), author=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Thank you: your suggestion went to the handbook editors for review.",
        )
        return redirect(self.get_page().get_absolute_url())


class WatchView(PortalPermissionRequiredMixin, View):
    """POST watching=1|0 for a page (chapter and page in the URL) or a chapter."""

    def post(self, request, chapter_slug: str, page_slug: str | None = None):
        member = member_selectors.member_for_user(request.user)
        if member is None:
            raise Http404
        watching = request.POST.get("watching") == "1"
        if page_slug is None:
            target = get_object_or_404(Chapter, slug=chapter_slug)
            services.watch_set(member=member, chapter=target, watching=watching)
        else:
            try:
                target = selectors.page_for(request.user, chapter_slug, page_slug)
            except Page.DoesNotExist:
                raise Http404 from None
            services.watch_set(member=member, page=target, watching=watching)
        messages.success(
            request,
            f"You'll get an email when “{target}” changes."
            if watching
            else f"You no longer watch “{target}”.",
        )
        return redirect(target.get_absolute_url())


# --- Editing --------------------------------------------------------------------


class PageEditView(EditorRequiredMixin, PageMixin, FormView):
    template_name = "handbook/page_form.html"
    form_class = forms.PageEditForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["can_publish_alone"] = self.request.user.has_perm(PUBLISH_ALONE)
        return kwargs

    def get_initial(self):
        head = services.head_revision(self.get_page())
        if head is None:
            return {}
        return {"title": head.title, "body": head.body, "base": head.pk}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page=self.get_page(), mode="edit", **kwargs)

    def form_valid(self, form):
        page = self.get_page()
        data = form.cleaned_data
        base = page.revisions.filter(pk=data.get("base")).first()
        try:
            revision = services.revision_save(
                page=page,
                title=data["title"],
                body=data["body"],
                summary=data["summary"],
                author=self.request.user,
                base=base,
                publish=data.get("publish", False),
            )
        except services.EditConflict as conflict:
            return self._conflict(form, base, conflict.head)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        if revision.state == Revision.State.PUBLISHED:
            messages.success(self.request, "Saved and published.")
            return redirect(page.get_absolute_url())
        messages.success(
            self.request,
            "Saved as a draft. Another editor (or a co-lead) reviews it before "
            "readers see it.",
        )
        return redirect(revision.get_absolute_url())

    def _conflict(self, form, base, head):
        """Keep everything the editor typed; show what the other save changed and
        let them save again on top of it."""
        data = form.data.copy()
        data["base"] = str(head.pk)
        form = self.get_form_class()(
            data, can_publish_alone=self.request.user.has_perm(PUBLISH_ALONE)
        )
        form.is_valid()
        their_changes = diff_words(base.body if base else "", head.body)
        context = self.get_context_data(
            form=form,
            conflict=head,
            their_changes=their_changes,
            mine_vs_theirs=diff_words(head.body, form.data.get("body", "")),
        )
        return render(self.request, self.template_name, context, status=409)


class PageCreateView(EditorRequiredMixin, FormView):
    template_name = "handbook/page_form.html"
    form_class = forms.PageCreateForm

    def get_chapter(self) -> Chapter:
        return get_object_or_404(Chapter, slug=self.kwargs["chapter_slug"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["chapter"] = self.get_chapter()
        kwargs["can_publish_alone"] = self.request.user.has_perm(PUBLISH_ALONE)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            chapter=self.get_chapter(), mode="create", **kwargs
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            page = services.page_create(
                chapter=self.get_chapter(),
                title=data["title"],
                slug=data["slug"],
                body=data["body"],
                summary=data["summary"],
                members_only=data["members_only"],
                author=self.request.user,
                publish=data.get("publish", False),
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Page created.")
        if page.is_published:
            return redirect(page.get_absolute_url())
        return redirect(services.head_revision(page).get_absolute_url())


class ChapterFormView(EditorRequiredMixin, FormView):
    template_name = "form_page.html"
    form_class = forms.ChapterForm

    def get_context_data(self, **kwargs):
        chapter = self.get_form_kwargs().get("instance")
        return super().get_context_data(
            heading="Edit the chapter" if chapter else "New chapter",
            intro="Chapters hold pages, in order; a visa chapter's pages are "
            "reviewed every 6 months.",
            cancel_url=chapter.get_absolute_url()
            if chapter
            else reverse("handbook:index"),
            actions=actions_for(chapter) if chapter else None,
            **kwargs,
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "chapter_slug" in self.kwargs:
            kwargs["instance"] = get_object_or_404(
                Chapter, slug=self.kwargs["chapter_slug"]
            )
        return kwargs

    def form_valid(self, form):
        try:
            chapter = services.chapter_save(
                chapter=form.save(commit=False), by=self.request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Chapter saved.")
        return redirect(chapter.get_absolute_url())


class PageSettingsView(EditorRequiredMixin, PageMixin, FormView):
    template_name = "form_page.html"
    form_class = forms.PageSettingsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_page()
        return kwargs

    def get_context_data(self, **kwargs):
        page = self.get_page()
        return super().get_context_data(
            heading=f"Settings of “{page.title}”",
            intro="These take effect at once; the page's text changes only through "
            "a reviewed revision.",
            cancel_url=page.get_absolute_url(),
            **kwargs,
        )

    def form_valid(self, form):
        page = services.page_settings_update(
            page=self.get_page(), by=self.request.user, **form.cleaned_data
        )
        messages.success(self.request, "Page settings saved.")
        return redirect(page.get_absolute_url())


class PageVerifyView(EditorRequiredMixin, PageMixin, View):
    def post(self, request, chapter_slug: str, page_slug: str):
        try:
            page = services.page_mark_verified(page=self.get_page(), by=request.user)
        except ValidationError as exc:
            refuse(request, exc)
            return redirect(self.get_page().get_absolute_url())
        messages.success(
            request,
            f"Marked as verified today. Next review by {page.review_due_on:%-d %b %Y}.",
        )
        return redirect(page.get_absolute_url())


# --- History, diffs and review ---------------------------------------------------


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
            document=render_document(revision.body, services.wiki_targets())
            if revision
            else None,
            **kwargs,
        )


class RevisionView(EditorRequiredMixin, TemplateView):
    """One revision: its text, its changes against what it was based on, and the
    review buttons while it is a draft."""

    template_name = "handbook/revision_detail.html"

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
            document=render_document(revision.body, services.wiki_targets()),
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
            is_current=revision.page.published_revision_id == revision.pk,
            **kwargs,
        )


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


class EditorsView(PortalPermissionRequiredMixin, FormView):
    """Co-leads choose who may draft and review (the Handbook editor role)."""

    permission_required = MANAGE_EDITORS
    template_name = "handbook/editors.html"
    form_class = forms.EditorAddForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(editors=selectors.editors(), **kwargs)

    def post(self, request, *args, **kwargs):
        if "remove" in request.POST:
            member = get_object_or_404(
                member_selectors.Member.objects.select_related("user"),
                pk=id_or_404(request.POST.get("remove")),
            )
            services.editor_remove(member=member, by=request.user)
            messages.success(request, f"{member} is no longer a handbook editor.")
            return redirect("handbook:editors")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.editor_add(member=form.member, by=self.request.user)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{form.member} can now edit the handbook.")
        return redirect("handbook:editors")


# --- Visa timelines ---------------------------------------------------------------


class TimelineFormView(EditorRequiredMixin, FormView):
    template_name = "form_page.html"
    form_class = forms.VisaTimelineForm

    def get_context_data(self, **kwargs):
        row = self.get_form_kwargs().get("instance")
        return super().get_context_data(
            heading=f"Edit {row}" if row else "Add a consulate wait time",
            intro="Every change is kept in the table's history, with your name.",
            cancel_url=reverse("handbook:timelines"),
            delete_url=reverse("handbook:timeline_delete", args=[row.pk])
            if row
            else "",
            **kwargs,
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            kwargs["instance"] = get_object_or_404(VisaTimeline, pk=self.kwargs["pk"])
        else:
            kwargs["initial"] = {"last_verified": timezone.localdate()}
        return kwargs

    def form_valid(self, form):
        try:
            services.timeline_save(
                timeline=form.save(commit=False), by=self.request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Timeline saved.")
        return redirect("handbook:timelines")


class TimelineDeleteView(EditorRequiredMixin, View):
    def post(self, request, pk: int):
        timeline = get_object_or_404(VisaTimeline, pk=pk)
        services.timeline_delete(timeline=timeline, by=request.user)
        messages.success(request, f"Deleted {timeline}.")
        return redirect("handbook:timelines")


class TimelineHistoryView(EditorRequiredMixin, ListView):
    template_name = "handbook/timeline_history.html"
    context_object_name = "changes"
    paginate_by = 50

    def get_queryset(self):
        return VisaTimelineChange.objects.select_related("by").order_by("-at", "-pk")
