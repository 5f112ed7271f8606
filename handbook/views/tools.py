"""The editor's tools: the live preview, the list warning and uploaded files,
and serving those files to readers.

"Preview" and "Upload" are buttons of the editor's own form, so without
JavaScript the page comes back with the preview (or the new file) and every
value typed kept, nothing saved. With JavaScript, htmx posts the text to
`handbook:preview` as the editor types and swaps the preview in place."""

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views import View

from handbook import forms, rules, selectors, services
from handbook.models import Attachment, Revision
from handbook.permissions import can_edit
from handbook.views.mixins import EditorRequiredMixin
from imgportal.form_errors import add_errors
from imgportal.markdown import plain_document


def preview_context(body: str, *, refused: bool = False) -> dict:
    """The preview fragment's context: the text rendered exactly as the
    published page will be, with what the editor should know about it. A text
    the form just refused as too complex is not rendered a second time."""
    return {
        "document": plain_document(body) if refused else services.render_page(body),
        "list_warnings": rules.lists_without_blank_line(body),
        "previewed": bool(body.strip()),
    }


class EditorToolsMixin:
    """For the editor's form views (new page, edit, suggest)."""

    uploads = False  # only an existing page, edited by an editor, takes files
    live_preview = True  # the htmx preview endpoint is for editors

    def post(self, request, *args, **kwargs):
        if "preview" in request.POST:
            return self.render_kept()
        if self.uploads and ("upload" in request.POST or request.FILES.get("file")):
            upload_form = forms.AttachmentForm(request.POST, request.FILES)
            attachment = self._upload(upload_form)
            if attachment is None:
                return self.render_kept(attachment_form=upload_form)
            messages.success(
                request,
                f"Uploaded “{attachment.original_name}”. Insert it where it "
                "belongs in the text, then save.",
            )
            if "upload" in request.POST:
                return self.render_kept()
        return super().post(request, *args, **kwargs)

    def _upload(self, upload_form) -> Attachment | None:
        if not upload_form.is_valid():
            return None
        upload = upload_form.cleaned_data.get("file")
        if not upload:
            upload_form.add_error("file", "Choose a file to upload.")
            return None
        try:
            return services.attachment_upload(
                page=self.get_page(), upload=upload, by=self.request.user
            )
        except ValidationError as exc:
            add_errors(upload_form, exc)
            return None

    def kept_form(self):
        """The form as the editor left it, unbound: no errors shown for a field
        they have not finished (a summary is asked for only on saving)."""
        kwargs = self.get_form_kwargs()
        data = kwargs.pop("data")
        kwargs.pop("files", None)
        form_class = self.get_form_class()
        names = form_class(**kwargs).fields
        kwargs["initial"] = {
            **kwargs.get("initial", {}),
            **{name: data.get(name) for name in names if name in data},
        }
        for name, field in names.items():
            if isinstance(field, django_forms.BooleanField) and name not in data:
                kwargs["initial"][name] = False
        return form_class(**kwargs)

    def render_kept(self, **extra):
        """The page again with what was typed, nothing saved."""
        return self.render_to_response(
            self.get_context_data(form=self.kept_form(), **extra)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        body = form.data.get("body") if form.is_bound else form.initial.get("body")
        body = body if isinstance(body, str) else ""
        refused = form.is_bound and form.has_error("body", "too_complex")
        for key, value in preview_context(body, refused=refused).items():
            context.setdefault(key, value)
        context["live_preview"] = self.live_preview
        if self.uploads:
            context.setdefault("attachment_form", forms.AttachmentForm())
            context["attachments"] = selectors.attachments_of(self.get_page())
        return context


class PreviewView(EditorRequiredMixin, View):
    """POST body=… → the preview fragment (htmx swaps it into the editor)."""

    def post(self, request):
        form = forms.PreviewForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                "handbook/_preview.html",
                {"refused": " ".join(form.errors.get("body", []))},
            )
        return render(
            request,
            "handbook/_preview.html",
            preview_context(form.cleaned_data["body"]),
        )


class AttachmentView(View):
    """An uploaded file, from storage: for editors, any file of a page (the
    preview shows them); for readers of the page, only a file its published
    text uses, so an upload nobody published stays unread (404, as for a file
    that doesn't exist). PDFs as downloads, never shown inline; the browser told
    not to guess the type; the name ends as the stored type does."""

    def get(self, request, pk: int):
        try:
            attachment = selectors.attachment_for(request.user, pk)
        except Attachment.DoesNotExist:
            raise Http404("No such file") from None
        if not can_edit(request.user) and not self._published_text_uses(attachment):
            raise Http404("No such file")
        try:
            stream = attachment.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404("The file is missing from storage") from None
        response = FileResponse(
            stream,
            content_type=attachment.content_type,
            as_attachment=attachment.kind == Attachment.Kind.PDF,
            filename=services.attachment_file_name(
                attachment.original_name, attachment.content_type
            ),
        )
        response["X-Content-Type-Options"] = "nosniff"
        # Readers' access can change (members only, unpublished): no shared caches.
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @staticmethod
    def _published_text_uses(attachment: Attachment) -> bool:
        body = (
            Revision.objects.filter(pk=attachment.page.published_revision_id)
            .values_list("body", flat=True)
            .first()
        )
        return rules.links_to(body or "", attachment.get_absolute_url())
