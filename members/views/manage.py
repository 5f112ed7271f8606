from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from imgportal.confirm import FINGERPRINT, Confirmation, confirm_step
from imgportal.csv_export import csv_response
from imgportal.form_errors import error_text, refuse
from imgportal.live_progress import (
    LiveProgress,
    ProgressFragmentMixin,
    live_progress,
    progress_response,
)
from imgportal.pagination import BoundedPaginator
from imgportal.params import as_ids, safe_next
from members import forms, imports, roster, selectors, services
from members.filters import MemberListFilter
from members.models import (
    AuditEntry,
    ImportJob,
    Role,
)
from members.permissions import (
    MANAGE_MEMBERS,
    VIEW_MEMBER_LIST,
    PortalPermissionRequiredMixin,
)
from members.tasks import import_apply_task, import_preview_task

# --- Co-leads and GME staff --------------------------------------------------


class MemberListView(PortalPermissionRequiredMixin, ListView):
    """Every member with filters, search, sort and bulk actions (co-leads)."""

    permission_required = VIEW_MEMBER_LIST
    template_name = "members/member_list.html"
    context_object_name = "members"
    paginate_by = 50
    paginator_class = BoundedPaginator

    def get_queryset(self):
        self.filterset = MemberListFilter(
            self.request.GET, queryset=selectors.member_list_for(self.request.user)
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page_members = list(context["members"])
        services.visa_views_record(viewer=self.request.user, members=page_members)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=self.filterset,
            query=query.urlencode(),
            can_manage=self.request.user.has_perm(MANAGE_MEMBERS),
            bulk_form=forms.BulkActionForm(),
            total=context["paginator"].count_label
            if context["is_paginated"]
            else len(page_members),
            total_number=context["paginator"].count
            if context["is_paginated"]
            else len(page_members),
        )
        return context


class MemberBulkActionView(PortalPermissionRequiredMixin, View):
    """Co-leads: approve, mark alumni, deactivate or give a role to many at once,
    after a confirm page that names them."""

    permission_required = MANAGE_MEMBERS
    http_method_names = ["post"]

    TITLES = {
        "approve": ("Approve {n}?", "Approve {n}", False),
        "alumni": ("Mark {n} as alumni?", "Mark {n} as alumni", True),
        "deactivate": ("Deactivate {n}?", "Deactivate {n}", True),
        "grant_role": ("Make {n} {role}?", "Give {n} the role", False),
    }

    def confirmation(self, action, role, chosen, posted, back) -> Confirmation:
        n = f"{len(chosen)} member{'s' if len(chosen) != 1 else ''}"
        role_label = Role(role).label.lower() if role else ""
        title, button, danger = self.TITLES[action]
        lines = [f"{n} selected."]
        if action == "deactivate":
            lines.append("They are signed out and can't sign in until reactivated.")
        elif action == "alumni":
            lines.append(
                "They keep read access as alumni and stop getting active members' "
                "emails."
            )
        elif action == "approve":
            lines.append("Each gets a welcome email.")
        return Confirmation(
            title=title.format(n=n, role=role_label),
            lines=lines,
            button=button.format(n=n),
            cancel_url=back,
            names=[m.full_name for m in chosen],
            facts=(action, role, tuple((m.pk, m.status) for m in chosen)),
            repost={
                "action": action,
                "role": role,
                "members": [m.pk for m in chosen],
                "next": posted.get("next", ""),
            },
            danger=danger,
        )

    def post(self, request):
        ids = as_ids(request.POST.getlist("members"))
        form = forms.BulkActionForm(request.POST, member_ids=ids)
        back = safe_next(request, reverse("members:manage"))
        if not form.is_valid():
            errors = [e for field in form.errors.values() for e in field]
            if not ids:
                errors = ["Tick at least one member first."]
            messages.error(request, " ".join(errors))
            return redirect(back)
        action, role = form.cleaned_data["action"], form.cleaned_data["role"]
        chosen = list(
            selectors.member_list_for(request.user)
            .filter(pk__in=ids)
            .order_by("user__last_name", "user__first_name", "pk")
        )
        if page := confirm_step(
            request, self.confirmation(action, role, chosen, request.POST, back)
        ):
            return page
        done, refused = 0, []
        for member in chosen:
            try:
                if action == "approve":
                    services.member_approve(member=member, by=request.user)
                elif action == "alumni":
                    services.member_mark_alumni(member=member, by=request.user)
                elif action == "deactivate":
                    services.member_deactivate(member=member, by=request.user)
                else:
                    services.member_grant_role(
                        member=member, role=role, by=request.user
                    )
                done += 1
            except ValidationError as exc:
                refused.append(f"{member.full_name}: {error_text(exc)}")
        if done:
            messages.success(request, f"Done for {done} member(s).")
        for reason in refused:
            messages.warning(request, reason)
        return redirect(back)


# The import's columns (plus status and join date, which it ignores): an exported
# file re-imports unchanged.
EXPORT_COLUMNS = [
    *roster.REQUIRED_COLUMNS,
    "status",
    *roster.OPTIONAL_COLUMNS,
    "joined_at",
]


class MemberExportView(PortalPermissionRequiredMixin, View):
    """The filtered member list as CSV (the import's columns, so it round-trips)."""

    permission_required = VIEW_MEMBER_LIST

    def get(self, request):
        members = list(
            MemberListFilter(
                request.GET, queryset=selectors.member_list_for(request.user)
            ).qs
        )
        services.members_export_record(viewer=request.user, members=members)
        stamp = timezone.localdate().isoformat()
        return csv_response(
            f"members-{stamp}.csv",
            EXPORT_COLUMNS,
            (
                (
                    m.user.email,
                    m.user.first_name,
                    m.user.last_name,
                    m.status,
                    m.get_visa_status_display() if m.visa_status else "",
                    m.get_training_stage_display() if m.training_stage else "",
                    m.specialty or "",
                    m.program or "",
                    m.home_country.code,
                    m.training_start or "",
                    m.expected_completion or "",
                    timezone.localtime(m.joined_at).date(),
                )
                for m in members
            ),
        )


class MemberDashboardView(PortalPermissionRequiredMixin, TemplateView):
    """Members by visa status, stage, specialty and status; joins per month."""

    permission_required = VIEW_MEMBER_LIST
    template_name = "members/member_dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        charts = [
            ("Active members by visa status", selectors.member_counts_by_visa_status()),
            ("Active members by training stage", selectors.member_counts_by_stage()),
            (
                "Active members by specialty (top 15)",
                selectors.member_counts_by_specialty(),
            ),
            ("All members by status", selectors.member_counts_by_status()),
            ("Join requests per month", selectors.joins_per_month()),
        ]
        context["charts"] = [
            {"title": title, "slug": f"chart-{n}", "rows": _with_bar_widths(rows)}
            for n, (title, rows) in enumerate(charts)
        ]
        return context


def _with_bar_widths(rows: list[dict]) -> list[dict]:
    """Each row's bar length in % of the largest (for the server-rendered SVG)."""
    top = max((row["count"] for row in rows), default=0) or 1
    return [{**row, "width": round(100 * row["count"] / top, 1)} for row in rows]


class JoinRequestListView(PortalPermissionRequiredMixin, ListView):
    """Co-leads: the people waiting to join, oldest first."""

    permission_required = MANAGE_MEMBERS
    template_name = "members/member_join_requests.html"
    context_object_name = "pending_members"
    paginate_by = 50

    def get_queryset(self):
        return selectors.members_pending(viewer=self.request.user)


class JoinRequestDecisionView(PortalPermissionRequiredMixin, View):
    """Co-leads approve a join request in one click, or decline it after a
    confirm page that names the person (POST only)."""

    permission_required = MANAGE_MEMBERS
    http_method_names = ["post"]

    def decline_confirmation(self, member, back: str) -> Confirmation:
        return Confirmation(
            title=f"Decline {member.full_name}'s join request?",
            lines=[
                f"{member.full_name} ({member.user.email}) asked to join.",
                "Their request is declined and we email them to say so.",
                "Their account is closed: they can't use the portal.",
            ],
            button=f"Yes, decline {member.full_name}",
            cancel_url=back,
            facts=("decline", member.pk, member.status),
            repost={"decision": "decline", "next": back},
            danger=True,
        )

    def post(self, request, pk: int):
        # Already decided (by another co-lead, or a second click): not pending,
        # so a 404 here, before any confirm page or decline.
        member = get_object_or_404(
            selectors.members_pending(viewer=request.user), pk=pk
        )
        decision = request.POST.get("decision")
        back = safe_next(request, reverse("members:join_requests"))
        if decision == "decline" and (
            page := confirm_step(request, self.decline_confirmation(member, back))
        ):
            return page
        try:
            if decision == "approve":
                services.member_approve(member=member, by=request.user)
                messages.success(
                    request, f"{member.full_name} is now a member. We emailed them."
                )
            elif decision == "decline":
                services.member_decline(member=member, by=request.user)
                messages.info(
                    request, f"{member.full_name}'s request was declined. We told them."
                )
            else:
                messages.error(request, "Choose Approve or Decline.")
        except ValidationError as exc:
            refuse(request, exc)
        return redirect(back)


class RosterImportView(PortalPermissionRequiredMixin, FormView):
    """Upload a roster CSV; the next page previews every row."""

    permission_required = MANAGE_MEMBERS
    template_name = "members/import_form.html"
    form_class = forms.RosterUploadForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        job = imports.import_job_create(
            uploaded_by=self.request.user, filename=upload.name, raw=upload.read()
        )
        if job.status == ImportJob.Status.PREVIEWING:
            if job.total_rows <= imports.INLINE_ROWS:
                imports.import_job_preview(job=job)
            else:
                transaction.on_commit(lambda: import_preview_task.delay(job.pk))
        return redirect("members:import_detail", pk=job.pk)


def _last_audit() -> int | None:
    return AuditEntry.objects.aggregate(last=Max("pk"))["last"]


STILL_WORKING = (ImportJob.Status.PREVIEWING, ImportJob.Status.IMPORTING)


def import_progress(request, job: ImportJob) -> LiveProgress:
    return live_progress(
        request=request,
        region_id="import-progress",
        url=reverse("members:import_progress", args=[job.pk]),
        template="members/_import_progress.html",
        context={"job": job, "progress": imports.rows_done(job)},
        status=("import-status", job.status_text),
        running=job.status in STILL_WORKING,
    )


class RosterImportProgressView(
    ProgressFragmentMixin, PortalPermissionRequiredMixin, View
):
    """The import page's progress region, polled by htmx while the work runs."""

    permission_required = MANAGE_MEMBERS

    def get(self, request, pk: int):
        job = get_object_or_404(
            ImportJob.objects.filter(uploaded_by=request.user).only(
                "pk", "status", "total_rows", "result"
            ),
            pk=pk,
        )
        return progress_response(request, import_progress(request, job))


class RosterImportDetailView(PortalPermissionRequiredMixin, DetailView):
    """The preview (create / update / unchanged / reject per row), then progress."""

    permission_required = MANAGE_MEMBERS
    template_name = "members/import_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return ImportJob.objects.filter(uploaded_by=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        context["still_working"] = job.status in STILL_WORKING
        if context["still_working"]:
            context["live_progress"] = import_progress(self.request, job)
        context["problem_rows"] = [r for r in job.preview if r["action"] == "reject"]
        context["change_rows"] = [
            r for r in job.preview if r["action"] in ("create", "update")
        ][:500]
        return context

    def confirmation(self, job: ImportJob) -> Confirmation:
        counts = job.counts
        create, update = counts["create"], counts["update"]
        lines = [
            f"{create} new member{'s' if create != 1 else ''} will be created.",
            f"{update} member{'s' if update != 1 else ''} will be updated.",
        ]
        if counts["unchanged"]:
            lines.append(f"{counts['unchanged']} rows match already: left as they are.")
        return Confirmation(
            title=f"Import {job.filename}?",
            lines=lines,
            button=f"Import {create + update} row{'s' if create + update != 1 else ''}",
            cancel_url=reverse("members:import_detail", args=[job.pk]),
            names=[r["email"] for r in job.preview if r["action"] != "unchanged"],
            # Any change to members since the preview (every write is audited)
            # makes the preview stale: it is worked out again and asked again.
            facts=("import", job.pk, tuple(sorted(counts.items())), _last_audit()),
        )

    def post(self, request, pk: int):
        job = get_object_or_404(self.get_queryset(), pk=pk)
        if not job.can_confirm:
            messages.error(request, "This file can't be imported: fix the rows listed.")
            return redirect("members:import_detail", pk=job.pk)
        confirmation = self.confirmation(job)
        posted = request.POST.get(FINGERPRINT)
        if posted and posted != confirmation.fingerprint:
            if job.total_rows > imports.INLINE_ROWS:
                transaction.on_commit(lambda: import_preview_task.delay(job.pk))
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportJob.Status.PREVIEWING
                )
                messages.warning(
                    request,
                    "Members changed since the preview: it is being worked out "
                    "again. Check it, then import.",
                )
                return redirect("members:import_detail", pk=job.pk)
            job = imports.import_job_preview(job=job)
            if not job.can_confirm:
                messages.warning(
                    request,
                    "Members changed since the preview, and this file can't be "
                    "imported now: see the new preview.",
                )
                return redirect("members:import_detail", pk=job.pk)
            confirmation = self.confirmation(job)
        if page := confirm_step(request, confirmation):
            return page
        try:
            job = imports.import_job_start(job=job)
        except ValidationError as exc:
            refuse(request, exc)
            return redirect("members:import_detail", pk=job.pk)
        if job.total_rows <= imports.INLINE_ROWS:
            job = imports.import_job_apply(job_id=job.pk)
            if job.status == ImportJob.Status.DONE:
                messages.success(request, "Roster imported.")
        else:
            transaction.on_commit(lambda: import_apply_task.delay(job.pk))
        return redirect("members:import_detail", pk=job.pk)


class AboutView(PortalPermissionRequiredMixin, TemplateView):
    """The group and the history of its co-leads."""

    template_name = "members/about.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            # Visitors: the front door says who the group is and who leads it
            # now; the history of every co-lead term stays for members.
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["terms"] = selectors.co_lead_history()
        return context


class DeletionRequestListView(PortalPermissionRequiredMixin, ListView):
    permission_required = MANAGE_MEMBERS
    template_name = "members/deletionrequest_list.html"
    context_object_name = "requests"

    def get_queryset(self):
        return selectors.deletion_requests_pending(viewer=self.request.user)


class DeletionRequestDecisionView(PortalPermissionRequiredMixin, View):
    permission_required = MANAGE_MEMBERS
    http_method_names = ["post"]

    def confirmation(self, deletion) -> Confirmation:
        member = deletion.member
        return Confirmation(
            title=f"Anonymise {member.full_name}?",
            lines=[
                f"1 member: {member.full_name} ({member.user.email}).",
                "Their name, email, contact details, profile text, status-tracker "
                "documents and trips, mentoring text and leadership roles are "
                "removed; seats at events still to come are given back.",
                "Anonymous counts stay (event attendance, mentoring totals).",
            ],
            button=f"Anonymise {member.full_name}",
            cancel_url=reverse("members:deletion_requests"),
            facts=("erase", deletion.pk, member.pk, deletion.status),
            repost={"decision": "confirm"},
            danger=True,
            warning="This can't be undone.",
        )

    def post(self, request, pk: int):
        deletion = get_object_or_404(
            selectors.deletion_requests_pending(viewer=request.user), pk=pk
        )
        decision = request.POST.get("decision")
        if decision == "confirm" and (
            page := confirm_step(request, self.confirmation(deletion))
        ):
            return page
        try:
            if decision == "confirm":
                services.deletion_request_confirm(request=deletion, by=request.user)
                messages.success(request, "The member was anonymised.")
            elif decision == "cancel":
                services.deletion_request_cancel(request=deletion, by=request.user)
                messages.info(request, "Request cancelled; nothing was deleted.")
            else:
                messages.error(
                    request, "Choose Anonymise or Cancel the request; nothing changed."
                )
        except ValidationError as exc:
            refuse(request, exc)
        return redirect("members:deletion_requests")
