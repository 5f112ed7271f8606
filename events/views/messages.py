"""An organiser writes to chosen groups of the event's people: write, preview
(with how many it goes to), send."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from events import forms
from events import messages as event_messages
from events.views.mixins import RunEventMixin
from imgportal.form_errors import add_errors


class EventMessageView(RunEventMixin, TemplateView):
    template_name = "events/event_message.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.check_can_run()
        form = kwargs.get("form") or forms.EventMessageForm(event=event)
        counts = {
            value: event_messages.recipients(event, [value]).count()
            for value, _label in event_messages.groups_available(event)
        }
        context.update(
            event=event,
            form=form,
            group_counts=[
                (label, counts[value])
                for value, label in event_messages.groups_available(event)
            ],
            sent_messages=list(event.messages.select_related("sent_by__member")),
        )
        return context

    def post(self, request, pk: int):
        event = self.check_can_run()
        form = forms.EventMessageForm(request.POST, event=event)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        key = data.get("key") or event_messages.new_key()
        what = {
            "key": key,
            "subject": data["subject"],
            "body": data["body"],
            "groups": data["groups"],
        }
        sealed = event_messages.seal_matches(data.get("previewed", ""), **what)
        if "send" not in request.POST or not sealed:
            # The preview: the message as each person gets it, and how many.
            count = event_messages.recipients(event, data["groups"]).count()
            if not count:
                form.add_error(
                    "groups", "Nobody is in the groups you chose: choose others."
                )
                return self.render_to_response(
                    self.get_context_data(form=form), status=400
                )
            if "send" in request.POST:
                flash.info(
                    request, "The message changed since the preview: check it again."
                )
            preview = forms.EventMessageForm(
                initial={
                    **data,
                    "key": key,
                    "previewed": event_messages.preview_seal(**what),
                },
                event=event,
            )
            return self.render_to_response(
                self.get_context_data(
                    form=preview,
                    preview={
                        "subject": data["subject"],
                        "body": data["body"],
                        "count": count,
                        "groups": [
                            label
                            for value, label in form.fields["groups"].choices
                            if value in data["groups"]
                        ],
                    },
                )
            )
        try:
            message, sent_now = event_messages.event_message_send(
                event=event,
                subject=data["subject"],
                body=data["body"],
                groups=data["groups"],
                key=key,
                by=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if sent_now:
            flash.success(
                request,
                f"Sending “{message.subject}” to {message.recipient_count} "
                f"{'person' if message.recipient_count == 1 else 'people'}.",
            )
        else:
            flash.info(request, "That message was already sent; it went once.")
        return redirect(event.get_absolute_url())
