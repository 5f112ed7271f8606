from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from imgportal.confirm import Confirmation, confirm_step
from imgportal.form_errors import add_errors, names_a_field, refuse
from imgportal.live_progress import (
    LiveProgress,
    ProgressFragmentMixin,
    live_progress,
    progress_response,
)
from members.actions import actions_for
from members.permissions import PortalPermissionRequiredMixin
from members.selectors import member_for_user, segment_label
from newsletters import forms, permissions, selectors, services, transport
from newsletters.models import Category, Newsletter
from notifications import selectors as notification_selectors
from notifications.preview import PREVIEW_TEMPLATE, EmailPreview, raw_email_response

# --- Members: the archive and their preferences ---------------------------------


class NewsletterArchiveView(PortalPermissionRequiredMixin, ListView):
    """Sent newsletters, newest first, for every member to read."""

    template_name = "newsletters/newsletter_archive.html"
    context_object_name = "newsletters"
    paginate_by = 20

    def get_queryset(self):
        return Newsletter.objects.filter(
            status=Newsletter.Status.SENT, category=Category.NEWSLETTER
        ).order_by("-finished_at")


class NewsletterDetailView(PortalPermissionRequiredMixin, DetailView):
    template_name = "newsletters/newsletter_detail.html"
    context_object_name = "newsletter"

    def get_queryset(self):
        return Newsletter.objects.filter(
            status=Newsletter.Status.SENT, category=Category.NEWSLETTER
        )


# --- Co-leads and GME staff: composing and sending ------------------------------


class NewsletterManageListView(PortalPermissionRequiredMixin, ListView):
    permission_required = permissions.SEND
    template_name = "newsletters/newsletter_manage_list.html"
    context_object_name = "newsletters"
    paginate_by = 30
    queryset = Newsletter.objects.filter(category=Category.NEWSLETTER).select_related(
        "created_by"
    )


class NewsletterFormView(PortalPermissionRequiredMixin, FormView):
    """Write or change a draft; the next page previews it with its audience."""

    permission_required = permissions.SEND
    template_name = "newsletters/newsletter_form.html"
    form_class = forms.NewsletterForm

    def get_instance(self):
        if "pk" in self.kwargs:
            return get_object_or_404(
                Newsletter.objects.filter(
                    status__in=[Newsletter.Status.DRAFT, Newsletter.Status.SCHEDULED],
                    category=Category.NEWSLETTER,
                ),
                pk=self.kwargs["pk"],
            )
        return Newsletter()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_instance()
        return kwargs

    def form_valid(self, form):
        newsletter = form.save(commit=False)
        newsletter.audience = form.audience()
        try:
            newsletter = services.newsletter_save(
                newsletter=newsletter, by=self.request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        return redirect("newsletters:manage_detail", pk=newsletter.pk)


def send_progress(request, newsletter: Newsletter) -> LiveProgress:
    counts = selectors.delivery_counts(newsletter)

    def delivery_report() -> str:
        """The page's delivery report, brought up to date by the last poll."""
        return render_to_string(
            "newsletters/_delivery_report.html",
            {
                "progress": selectors.newsletter_progress(newsletter, counts),
                "out_of_band": True,
            },
            request=request,
        )

    return live_progress(
        request=request,
        region_id="send-progress",
        url=reverse("newsletters:manage_progress", args=[newsletter.pk]),
        template="newsletters/_send_progress.html",
        status=("newsletter-status", newsletter.get_status_display()),
        context={
            "newsletter": newsletter,
            "to_send": sum(counts.values()) - counts["skipped"],
            # A bounce was sent first; "in doubt" probably went out but is
            # counted apart, as the delivery report does.
            "sent": counts["sent"] + counts["bounced"],
            "failed": counts["failed"],
            "uncertain": counts["uncertain"],
            "skipped": counts["skipped"],
        },
        running=newsletter.status == Newsletter.Status.SENDING,
        when_done=delivery_report,
    )


class NewsletterProgressView(
    ProgressFragmentMixin, PortalPermissionRequiredMixin, View
):
    """The send's progress region, polled by htmx while it sends."""

    permission_required = permissions.SEND

    def get(self, request, pk: int):
        newsletter = get_object_or_404(Newsletter.objects.only("pk", "status"), pk=pk)
        return progress_response(request, send_progress(request, newsletter))


class NewsletterManageDetailView(PortalPermissionRequiredMixin, DetailView):
    """Preview, audience count, actions, and delivery progress while it sends."""

    permission_required = permissions.SEND
    template_name = "newsletters/newsletter_manage_detail.html"
    context_object_name = "newsletter"
    queryset = Newsletter.objects.select_related("created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        newsletter = self.object
        context.update(
            counts=notification_selectors.audience_counts(
                newsletter.audience, newsletter.category
            ),
            audience_label=segment_label(newsletter.audience),
            progress=selectors.newsletter_progress(newsletter),
            schedule_form=kwargs.get("schedule_form") or forms.ScheduleForm(),
            editable=newsletter.status
            in (Newsletter.Status.DRAFT, Newsletter.Status.SCHEDULED),
            actions=actions_for(newsletter),
        )
        if newsletter.status == Newsletter.Status.SENDING:
            context["live_progress"] = send_progress(self.request, newsletter)
        return context

    def send_confirmation(self, newsletter: Newsletter) -> Confirmation:
        counts = notification_selectors.audience_counts(
            newsletter.audience, newsletter.category
        )
        n, skipped = counts["recipients"], counts["skipped"]
        lines = [
            f"Audience: {segment_label(newsletter.audience)}.",
            f"{n} member{'s' if n != 1 else ''} will receive it now.",
        ]
        if skipped:
            lines.append(f"{skipped} turned newsletters off and will be skipped.")
        return Confirmation(
            title=f"Send “{newsletter.subject}” now?",
            lines=lines,
            button=f"Send now to {n} member{'s' if n != 1 else ''}",
            cancel_url=reverse("newsletters:manage_detail", args=[newsletter.pk]),
            # A changed text or audience asks again, as a changed count does.
            facts=(newsletter.pk, newsletter.subject, newsletter.body, n, skipped),
            repost={"action": "send"},
            warning="Emails can't be called back once they go.",
        )

    def post(self, request, pk: int):
        self.object = newsletter = self.get_object()
        action = request.POST.get("action")
        try:
            if action == "test":
                services.newsletter_send_test(newsletter=newsletter, to=request.user)
                messages.success(request, f"A test was sent to {request.user.email}.")
            elif action == "send":
                confirmation = self.send_confirmation(newsletter)
                if confirmation.facts[-2] and (
                    page := confirm_step(request, confirmation)
                ):
                    return page  # nobody to send to: the service says so
                services.newsletter_send_now(newsletter=newsletter, by=request.user)
                messages.success(request, "Sending now. Progress shows below.")
            elif action == "schedule":
                form = forms.ScheduleForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(
                        self.get_context_data(schedule_form=form)
                    )
                services.newsletter_schedule(
                    newsletter=newsletter,
                    when=form.cleaned_data["scheduled_for"],
                    by=request.user,
                )
                messages.success(request, "Scheduled.")
            elif action == "cancel":
                services.newsletter_cancel(newsletter=newsletter, by=request.user)
                messages.info(request, "Cancelled: it will not be sent.")
        except ValidationError as exc:
            if action == "schedule" and names_a_field(exc):
                form = forms.ScheduleForm(request.POST)
                form.is_valid()
                add_errors(form, exc)
                return self.render_to_response(
                    self.get_context_data(schedule_form=form)
                )
            refuse(request, exc)
        return redirect("newsletters:manage_detail", pk=newsletter.pk)


class NewsletterEmailMixin(PortalPermissionRequiredMixin):
    """A newsletter as its recipients get it, with the viewer as the recipient:
    the same rendering the batch sends (newsletters.transport)."""

    permission_required = permissions.SEND

    def get_newsletter(self) -> Newsletter:
        return get_object_or_404(Newsletter, pk=self.kwargs["pk"])

    def bodies(self, newsletter: Newsletter) -> tuple[str, str]:
        member = member_for_user(self.request.user)
        return transport.render_for(
            newsletter, member_id=member.pk if member is not None else None
        )


class NewsletterEmailPreviewView(NewsletterEmailMixin, TemplateView):
    template_name = PREVIEW_TEMPLATE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        newsletter = self.get_newsletter()
        text, _html = self.bodies(newsletter)
        context["preview"] = EmailPreview(
            subject=newsletter.subject,
            to=self.request.user.email,
            text=text,
            raw_url=reverse("newsletters:manage_email_raw", args=[newsletter.pk]),
            back_url=reverse("newsletters:manage_detail", args=[newsletter.pk]),
            back_label=newsletter.subject,
            audience=segment_label(newsletter.audience).lower(),
        )
        return context


class NewsletterEmailRawView(NewsletterEmailMixin, View):
    """The HTML part alone, framed by the preview page (notifications.preview)."""

    def get(self, request, pk: int):
        _text, html = self.bodies(self.get_newsletter())
        return raw_email_response(html)
