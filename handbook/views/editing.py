"""Editors' writing pages: drafts, new pages and chapters, page settings,
verification, and choosing the editors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView

from handbook import forms, rules, selectors, services
from handbook.diffing import diff_words
from handbook.models import Chapter, Revision
from handbook.permissions import (
    MANAGE_EDITORS,
    PUBLISH_ALONE,
)
from handbook.views.mixins import EditorRequiredMixin, PageMixin
from handbook.views.tools import EditorToolsMixin
from imgportal.form_errors import add_errors, refuse
from imgportal.params import id_or_404
from members import selectors as member_selectors
from members.actions import actions_for
from members.permissions import PortalPermissionRequiredMixin


class PageEditView(EditorRequiredMixin, PageMixin, EditorToolsMixin, FormView):
    template_name = "handbook/page_form.html"
    form_class = forms.PageEditForm
    uploads = True

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
        page = self.get_page()
        head = services.head_revision(page)
        in_review = head is not None and head.state in (
            Revision.State.DRAFT,
            Revision.State.CHANGES_REQUESTED,
        )
        return super().get_context_data(
            page=page,
            mode="edit",
            head=head,
            review_comments=selectors.review_round(head) if in_review else [],
            **kwargs,
        )

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


class AttachmentDeleteView(PageEditView):
    """Delete one of the page's files, from a button of the editor's own form, so
    the text typed is kept (as with Upload): the first POST shows the editor
    again with a confirm panel saying where the page still links to the file;
    the POST with `confirm` deletes it. POST only: a GET is 405."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        page = self.get_page()
        attachment = selectors.attachments_of(page).filter(pk=kwargs["pk"]).first()
        if attachment is None:
            messages.info(
                request,
                "That file is not on this page (it may have been deleted already).",
            )
            return self._kept(status=404)
        typed = request.POST.get("body", "")
        if "confirm" not in request.POST:
            return self._kept(
                deleting=attachment,
                still_linked=self._places_linking(page, attachment, typed),
            )
        try:
            services.attachment_delete(attachment=attachment, by=request.user)
        except ValidationError as exc:
            refuse(request, exc)
            return self._kept(status=404)
        text = f"Deleted “{attachment.original_name}”."
        if rules.links_to(typed, attachment.get_absolute_url()):
            text += " The text below still links to it: take that out before saving."
        messages.success(request, text)
        return self._kept()

    def _kept(self, status: int = 200, **extra):
        response = self.render_kept(**extra)
        response.status_code = status
        return response

    @staticmethod
    def _places_linking(page, attachment, typed: str) -> list[str]:
        address = attachment.get_absolute_url()
        places = []
        published = page.published_revision
        if published and rules.links_to(published.body, address):
            places.append("the published page")
        head = services.head_revision(page)
        if (
            head is not None
            and head.state in (Revision.State.DRAFT, Revision.State.CHANGES_REQUESTED)
            and rules.links_to(head.body, address)
        ):
            places.append(f"the draft (revision {head.number})")
        if rules.links_to(typed, address):
            places.append("the text you are editing")
        return places


class PageCreateView(EditorRequiredMixin, EditorToolsMixin, FormView):
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
