"""Reading the handbook: index, chapters, pages, search, recent changes, the
visa timelines table, and members taking part (suggesting edits, watching)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from handbook import cache as visitor_cache
from handbook import forms, selectors, services
from handbook.models import Chapter, Page
from handbook.permissions import (
    can_edit,
    can_take_part,
)
from handbook.views.mixins import PageMixin, VisitorCacheMixin
from handbook.views.tools import EditorToolsMixin
from imgportal.form_errors import add_errors
from members import selectors as member_selectors
from members.permissions import PortalPermissionRequiredMixin


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


class PageSuggestView(
    PortalPermissionRequiredMixin, PageMixin, EditorToolsMixin, FormView
):
    """Any member proposes a change to the published text; editors review it.
    Members preview by the Preview button (the live preview is for editors)."""

    template_name = "handbook/page_form.html"
    form_class = forms.RevisionTextForm
    live_preview = False

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
