"""A member's email choices, and the one-click unsubscribe links in every email."""

from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView

from members import selectors as member_selectors
from members.models import Member
from members.permissions import PortalPermissionRequiredMixin
from notifications import forms, preferences
from notifications.models import Category
from notifications.unsubscribe import read_token


class PreferencesView(PortalPermissionRequiredMixin, FormView):
    """Which kinds of email a member gets; resume mail after bounces."""

    template_name = "notifications/preferences.html"
    form_class = forms.PreferencesForm

    def get_member(self):
        return member_selectors.member_for_user(self.request.user)

    def get_initial(self):
        choices = preferences.preferences_for(self.get_member())
        return {"wanted": [c for c in Category.values if c not in choices.unsubscribed]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preferences"] = preferences.preferences_for(self.get_member())
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "resume":
            preferences.mail_resume(member=self.get_member())
            messages.success(request, "Thanks: we'll email this address again.")
            return redirect("notifications:preferences")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        preferences.preferences_update(
            member=self.get_member(), wanted=form.cleaned_data["wanted"]
        )
        messages.success(self.request, "Your email choices are saved.")
        return redirect("notifications:preferences")


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """RFC 8058 one-click unsubscribe. GET only shows a confirmation page (mail
    scanners fetch links); POST (from that page, or a mail client sending
    `List-Unsubscribe=One-Click`) unsubscribes, with no cookie and no CSRF token:
    the signed token is the authority."""

    template_name = "notifications/unsubscribe.html"

    def _read(self, token):
        try:
            member_id, category = read_token(token)
        except signing.BadSignature:  # includes SignatureExpired
            return None
        if category not in Category.values:
            return None
        if not Member.objects.filter(pk=member_id).exists():
            return None  # a link for a member who is no longer here
        return member_id, category

    def get(self, request, token: str):
        parsed = self._read(token)
        if parsed is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        return render(
            request,
            self.template_name,
            {"category": Category(parsed[1]).label, "token": token},
        )

    def post(self, request, token: str):
        parsed = self._read(token)
        if parsed is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        preferences.unsubscribe(member_id=parsed[0], category=parsed[1])
        return render(
            request,
            self.template_name,
            {"done": True, "category": Category(parsed[1]).label},
        )
