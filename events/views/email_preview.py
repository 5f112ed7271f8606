"""Preview as email, for what an event sends to many people: its announcement
(the newsletter publishing sends, or sent) and an organiser's message to its
attendees. Each is rendered by the function that sends it, with the viewer as
the recipient; only those who may send it see it (notifications.preview)."""

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views import View
from django.views.generic import TemplateView

from events import forms, series, services
from events import messages as event_messages
from events.models import Event, EventMessage
from events.permissions import MANAGE
from events.views.mixins import RunEventMixin
from imgportal.email_layout import RenderedEmail
from members.selectors import segment_label
from newsletters import transport
from newsletters.models import Newsletter
from notifications.preview import PREVIEW_TEMPLATE, EmailPreview, raw_email_response
from notifications.rendering import email_render_for


class AnnouncementEmailMixin(RunEventMixin):
    """Publishing announces the event: managers only, as the publish button.

    For a date of a draft series the preview is what publishing would send:
    by default the one email naming all its draft dates, `?dates=this` the
    email for this date alone (publish offers both); once another date has
    announced the series, the email that went then, since publishing this date
    sends none."""

    permission_required = MANAGE

    def only_this_date(self) -> bool:
        return self.request.GET.get("dates") == "this"

    def announcement(self, event: Event) -> tuple[Newsletter, str, str]:
        """(the newsletter, a line saying which email this is, and the other
        choice publish offers: "all" or "this" dates, or "" when none)."""
        if event.announcement:
            return event.announcement, "", ""
        if not event.series_id:
            return services.announcement_draft(event), "", ""
        plan = series.publish_plan(event, all_dates=not self.only_this_date())
        if not plan.announce:
            sent = (
                Event.objects.filter(series_id=event.series_id)
                .exclude(announcement=None)
                .select_related("announcement")
                .order_by("published_at")
                .first()
            )
            when = timezone.localtime(plan.announced_at)
            note = (
                f"This series was already announced on "
                f"{date_format(when, 'DATETIME_FORMAT')}: "
                "publishing this date sends no email."
            )
            if sent is not None:
                return (
                    sent.announcement,
                    f"{note} This is the announcement that went.",
                    "",
                )
            return services.announcement_draft(event), note, ""
        draft = services.announcement_draft(event, dates=plan.dates)
        if self.only_this_date():
            return draft, "Publishing this date only sends this email.", "all"
        if len(plan.dates) > 1:
            note = (
                f"Publishing all {len(plan.dates)} draft dates of the series sends "
                "this one email."
            )
            return draft, note, "this"
        return draft, "", ""  # no other draft date: one choice

    def scope_query(self) -> str:
        return "?dates=this" if self.only_this_date() else ""

    def rendered(self) -> tuple[Event, str, str, str, str, str]:
        """(event, subject, text, html, note, other choice) of the announcement
        to the viewer."""
        event = self.get_event()
        newsletter, note, other = self.announcement(event)
        text, html = transport.render_for(newsletter, member_id=self.get_member().pk)
        return event, newsletter.subject, text, html, note, other


class AnnouncementEmailView(AnnouncementEmailMixin, TemplateView):
    template_name = PREVIEW_TEMPLATE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event, subject, text, _html, note, other = self.rendered()
        page = reverse("events:announcement_email", args=[event.pk])
        alternatives = {
            "all": [("All the series' draft dates", page)],
            "this": [("This date only", f"{page}?dates=this")],
        }.get(other, [])
        context["preview"] = EmailPreview(
            subject=subject,
            to=self.request.user.email,
            text=text,
            raw_url=reverse("events:announcement_email_raw", args=[event.pk])
            + self.scope_query(),
            back_url=event.get_absolute_url(),
            back_label=event.title,
            audience=segment_label(event.audience).lower()
            + " (those who turned event announcements off are skipped)",
            note=note,
            alternatives=tuple(alternatives),
        )
        return context


class AnnouncementEmailRawView(AnnouncementEmailMixin, View):
    def get(self, request, pk: int):
        return raw_email_response(self.rendered()[3])


class MessageEmailMixin(RunEventMixin):
    """An organiser's message before it goes: the write page's "Preview as
    email" posts it here; it is kept in the session for the page's frame."""

    def session_key(self, event: Event) -> str:
        return f"events:message-email:{event.pk}"

    def rendered(self, event: Event) -> RenderedEmail | None:
        draft = self.request.session.get(self.session_key(event))
        if not draft:
            return None
        message = EventMessage(
            event=event,
            subject=draft["subject"],
            body=draft["body"],
            sent_by=self.request.user,
        )
        return email_render_for(
            template_prefix=event_messages.EMAIL_TEMPLATE,
            context={
                "member": self.get_member(),
                **event_messages.email_context(message),
            },
        )


class MessageEmailView(MessageEmailMixin, TemplateView):
    template_name = PREVIEW_TEMPLATE

    def post(self, request, pk: int):
        event = self.check_can_run()
        form = forms.EventMessageForm(request.POST, event=event)
        form.is_valid()
        subject, body = form.cleaned_data.get("subject"), form.cleaned_data.get("body")
        if not subject or not body or form.has_error("body"):
            # This tab opened beside the write page (which keeps the text): say
            # what stops the preview, nothing else.
            problems = [
                error
                for name in ("subject", "body")
                for error in form.errors.get(name, [])
            ]
            request.session.pop(self.session_key(event), None)
            return self.render_to_response(
                self.get_context_data(problems=problems), status=400
            )
        request.session[self.session_key(event)] = {"subject": subject, "body": body}
        return redirect("events:message_email", pk=event.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.check_can_run()
        rendered = self.rendered(event)
        context["write_url"] = reverse("events:message", args=[event.pk])
        if rendered is None:
            return context  # nothing written yet: the page says where to write
        context["preview"] = EmailPreview(
            subject=rendered.subject,
            to=self.request.user.email,
            reply_to=self.request.user.email,
            text=rendered.text,
            raw_url=reverse("events:message_email_raw", args=[event.pk]),
            back_url=reverse("events:message", args=[event.pk]),
            back_label=f"Write to attendees: {event.title}",
            audience="the groups you choose on the write page, each on their own",
        )
        return context


class MessageEmailRawView(MessageEmailMixin, View):
    def get(self, request, pk: int):
        rendered = self.rendered(self.check_can_run())
        if rendered is None:
            raise Http404("Nothing to preview yet")
        return raw_email_response(rendered.html)
