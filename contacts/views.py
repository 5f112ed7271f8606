from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from contacts import forms, selectors, services, spreadsheet
from contacts.models import PREVIEW_KEPT_FOR, Contact, ContactImport
from imgportal.confirm import Confirmation, confirm_step
from imgportal.csv_export import csv_response
from imgportal.form_errors import add_errors, refuse
from imgportal.params import safe_next
from members import selectors as member_selectors
from members.permissions import PortalPermissionRequiredMixin

KEPT_HOURS = int(PREVIEW_KEPT_FOR.total_seconds() // 3600)


class OwnContactsMixin(PortalPermissionRequiredMixin):
    """Every contacts page is about the signed-in member's own log: rows are
    looked up with `member=` them, so anyone else's answer 404."""

    def get_member(self):
        if not hasattr(self, "_member"):
            self._member = member_selectors.member_for_user(self.request.user)
            if self._member is None:
                raise Http404("No member profile")
        return self._member

    def get_contact(self, pk: int) -> Contact:
        try:
            return selectors.contact_of(self.get_member(), pk)
        except Contact.DoesNotExist as exc:
            raise Http404("No such contact") from exc


class ContactListView(OwnContactsMixin, ListView):
    template_name = "contacts/contact_list.html"
    context_object_name = "contacts"
    paginate_by = 100

    def get_queryset(self):
        member = self.get_member()
        self.today = timezone.localdate()
        self.tags = selectors.tags_of(member)
        self.filter_form = forms.ContactFilterForm(self.request.GET, tags=self.tags)
        return selectors.contacts_filtered(
            member, self.filter_form.wanted(), self.today
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            today=self.today,
            query=query.urlencode(),
            here=self.request.get_full_path(),
            has_any=Contact.objects.filter(member=self.get_member()).exists(),
        )
        return context


class ContactFormView(OwnContactsMixin, FormView):
    """Add or edit one of the member's own contacts."""

    template_name = "contacts/contact_form.html"
    form_class = forms.ContactForm
    success_url = reverse_lazy("contacts:list")

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return self.get_contact(self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["member"] = self.get_member()
        kwargs["instance"] = self.get_object()
        return kwargs

    def get_context_data(self, **kwargs):
        row = self.get_object()
        return super().get_context_data(contact=row, **kwargs)

    def form_valid(self, form):
        try:
            services.contact_save(contact=form.save(commit=False))
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Saved. Only you can see your contacts.")
        return super().form_valid(form)


class ContactDeleteView(OwnContactsMixin, View):
    """Delete one contact: a GET (or a bare POST) shows the confirm page naming
    it; only the POST from that page deletes."""

    def confirmation(self, contact: Contact) -> Confirmation:
        return Confirmation(
            title=f"Delete {contact.name} from your contacts?",
            lines=[
                f"1 contact: {contact.name}"
                + (f", {contact.institution}" if contact.institution else "")
                + ".",
                "Your notes on them go with it, and any follow-up reminder stops.",
            ],
            button=f"Delete {contact.name}",
            cancel_url=reverse("contacts:edit", args=[contact.pk]),
            facts=("contact-delete", contact.pk),
            danger=True,
            warning="This can't be undone.",
        )

    def get(self, request, pk: int):
        return confirm_step(request, self.confirmation(self.get_contact(pk)))

    def post(self, request, pk: int):
        contact = self.get_contact(pk)
        if page := confirm_step(request, self.confirmation(contact)):
            return page
        services.contact_delete(contact=contact)
        messages.success(request, f"Deleted {contact.name} from your contacts.")
        return redirect("contacts:list")


class ContactTouchView(OwnContactsMixin, View):
    """ "Logged a contact today": one button per row, back to the same list."""

    def post(self, request, pk: int):
        contact = self.get_contact(pk)
        services.contact_logged_today(contact=contact)
        messages.success(
            request,
            f"Last contact with {contact.name}: today. Set the next follow-up when "
            "you know it.",
        )
        back = safe_next(request, reverse("contacts:list"))
        return redirect(f"{back}#contact-{contact.pk}" if "#" not in back else back)


class ContactExportView(OwnContactsMixin, View):
    """The member's whole log as CSV, in the import's columns (it re-imports)."""

    def get(self, request):
        labels = dict(Contact.WhereMet.choices)
        rows = selectors.contacts_of(self.get_member()).order_by("name", "pk")
        return csv_response(
            f"contacts-{timezone.localdate().isoformat()}.csv",
            spreadsheet.COLUMNS,
            (
                (
                    c.name,
                    c.role,
                    c.institution,
                    spreadsheet.where_met_cell(
                        str(labels.get(c.where_met, "")), c.where_met_detail
                    ),
                    c.discussed,
                    c.last_contact_on or "",
                    c.follow_up_on or "",
                    ", ".join(c.tags),
                )
                for c in rows.iterator(chunk_size=500)
            ),
        )


class ContactImportView(OwnContactsMixin, FormView):
    """Upload a contacts CSV; the next page previews every row."""

    template_name = "contacts/import_form.html"
    form_class = forms.ContactImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            job = services.contact_import_create(
                member=self.get_member(), filename=upload.name, raw=upload.read()
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        return redirect("contacts:import_detail", pk=job.pk)


class ContactImportDetailView(OwnContactsMixin, DetailView):
    """The preview (new, duplicate skipped, problem per row), then the confirm;
    once confirmed, the counts. A preview past its day, purged or anyone else's
    is a 404 that says to upload the file again (the same page for all three,
    so it tells nobody whose import a number was)."""

    template_name = "contacts/import_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return selectors.contact_imports_of(self.get_member())

    def gone(self, request):
        return render(
            request,
            "contacts/import_gone.html",
            {"kept_hours": KEPT_HOURS},
            status=404,
        )

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ContactImport.DoesNotExist:
            return self.gone(request)

    def get_object(self, queryset=None):
        if queryset is None:
            queryset = self.get_queryset()
        return queryset.get(pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        context.update(
            problem_rows=job.problem_rows,
            duplicate_rows=job.duplicate_rows,
            new_rows=job.new_rows,
            shown_new_rows=job.new_rows[:500],
            kept_hours=KEPT_HOURS,
        )
        return context

    def confirmation(self, job: ContactImport) -> Confirmation:
        count = len(job.new_rows)
        skipped = len(job.duplicate_rows)
        lines = [
            f"{count} contact{'s' if count != 1 else ''} will be added to your log."
        ]
        if skipped:
            lines.append(
                f"{skipped} duplicate row{'s' if skipped != 1 else ''} will be skipped."
            )
        return Confirmation(
            title=f"Import {job.filename}?",
            lines=lines,
            button=f"Add {count} contact{'s' if count != 1 else ''}",
            cancel_url=reverse("contacts:import_detail", args=[job.pk]),
            names=[r["name"] for r in job.new_rows],
            facts=(
                "contacts-import",
                job.pk,
                count,
                Contact.objects.filter(member=job.member).count(),
            ),
        )

    def post(self, request, pk: int):
        try:
            job = self.get_object()
        except ContactImport.DoesNotExist:
            return self.gone(request)
        if job.status == ContactImport.Status.DONE:
            messages.info(request, "This file was already imported.")
            return redirect("contacts:import_detail", pk=job.pk)
        if not job.can_confirm:
            messages.error(
                request,
                "This file can't be imported: fix the rows listed and upload it again."
                if job.problem_rows
                else "Nothing to import from this file.",
            )
            return redirect("contacts:import_detail", pk=job.pk)
        if page := confirm_step(request, self.confirmation(job)):
            return page
        try:
            job = services.contact_import_confirm(job=job)
        except ValidationError as exc:
            if not self.get_queryset().filter(pk=job.pk).exists():
                return self.gone(request)  # expired while the confirm page was open
            refuse(request, exc)
            return redirect("contacts:import_detail", pk=job.pk)
        messages.success(
            request, f"Added {job.imported} contact{'s' if job.imported != 1 else ''}."
        )
        return redirect("contacts:list")
