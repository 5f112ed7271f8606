"""The leadership board's pages: the board, an opening, posting and
suggesting, co-leads' suggestions, and the member's private shortlist."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from imgportal.form_errors import add_errors, refuse
from imgportal.pagination import BoundedPaginator
from leadership import forms, selectors, services
from leadership.models import Opening
from leadership.permissions import can_post
from members import selectors as member_selectors
from members.permissions import PortalPermissionRequiredMixin


class LeadershipMixin(PortalPermissionRequiredMixin):
    """Approved members; the member's profile and whether they may post."""

    @cached_property
    def member(self):
        return member_selectors.member_for_user(self.request.user)

    @cached_property
    def poster(self) -> bool:
        return can_post(self.request.user)

    def get_opening(self) -> Opening:
        try:
            return selectors.opening_for(
                self.member, self.kwargs["pk"], poster=self.poster
            )
        except Opening.DoesNotExist:
            raise Http404("No such opening") from None

    def check_poster(self) -> None:
        if not self.poster:
            raise PermissionDenied


class BoardView(LeadershipMixin, ListView):
    template_name = "leadership/board.html"
    context_object_name = "openings"
    paginate_by = 50
    paginator_class = BoundedPaginator

    @cached_property
    def filter_form(self):
        return forms.BoardFilterForm(self.request.GET or None)

    def get_queryset(self):
        return selectors.openings_for(
            self.member, self.filter_form.params(), poster=self.poster
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            poster=self.poster,
            suggestions=selectors.suggestions().count() if self.poster else 0,
            saved_count=self.member.shortlist.count(),
            advice=services.SHORTLIST_ADVICE,
            query=query.urlencode(),
            today=timezone.localdate(),
        )
        return context


class OpeningDetailView(LeadershipMixin, TemplateView):
    template_name = "leadership/opening_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opening = self.get_opening()
        entry = opening.shortlisted.filter(member=self.member).first()
        context.update(
            opening=opening,
            entry=entry,
            poster=self.poster,
            shortlist_form=kwargs.get("shortlist_form")
            or forms.ShortlistForm(initial={"note": entry.note if entry else ""}),
            got_form=kwargs.get("got_form")
            or forms.GotRoleForm(initial={"start": timezone.localdate()}),
            my_role=opening.holders.filter(role__member=self.member)
            .select_related("role")
            .first(),
            past_deadline=opening.is_past_deadline(),
        )
        return context


class OpeningFormView(LeadershipMixin, FormView):
    """Post an opening or edit one (posters only: 403 for anyone else); with
    `suggest`, any member suggests one, which waits for a co-lead."""

    template_name = "leadership/opening_form.html"
    form_class = forms.OpeningForm
    suggest = False

    def get(self, request, *args, **kwargs):
        if self.suggest and self.poster:
            return redirect("leadership:create")  # posters post directly
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if not self.suggest:
            self.check_poster()
        if "pk" in self.kwargs:
            kwargs["instance"] = self.get_opening()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        editing = "pk" in self.kwargs
        context.update(
            editing=editing,
            poster=self.poster,
            heading="Edit the opening"
            if editing
            else "Post an opening"
            if self.poster
            else "Suggest an opening",
        )
        return context

    def form_valid(self, form):
        if "pk" in self.kwargs and not form.has_changed():
            messages.info(self.request, "Nothing changed.")
            return redirect(form.instance)
        opening = form.save(commit=False)
        try:
            opening = services.opening_save(
                opening=opening,
                specialties=form.cleaned_data["specialties"],
                by=self.request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        if opening.status == Opening.Status.SUGGESTED:
            if "pk" in self.kwargs:  # a poster edited a suggestion
                messages.success(self.request, "Saved: approve it when it's ready.")
                return redirect("leadership:suggestions")
            messages.success(
                self.request,
                "Thanks: a co-lead checks suggestions before they show on the board.",
            )
            return redirect("leadership:board")
        messages.success(self.request, "Opening saved: it's on the board.")
        return redirect(opening)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SuggestionsView(LeadershipMixin, TemplateView):
    """Members' suggestions, for those who post, to approve or decline."""

    template_name = "leadership/suggestions.html"

    def get_context_data(self, **kwargs):
        self.check_poster()
        context = super().get_context_data(**kwargs)
        context["suggestions"] = list(selectors.suggestions())
        return context


class OpeningActionView(LeadershipMixin, View):
    """POST: approve or decline a suggestion, close or reopen an opening."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        self.check_poster()
        opening = self.get_opening()
        action = request.POST.get("action")
        try:
            if action in ("approve", "decline"):
                services.opening_decide(
                    opening=opening, approve=action == "approve", by=request.user
                )
                messages.success(
                    request,
                    f"“{opening.title}” is on the board."
                    if action == "approve"
                    else f"“{opening.title}” was declined.",
                )
                return redirect("leadership:suggestions")
            if action in ("close", "reopen"):
                services.opening_close(
                    opening=opening, reopen=action == "reopen", by=request.user
                )
                messages.success(
                    request,
                    "Opening closed." if action == "close" else "Opening open again.",
                )
            else:
                messages.error(request, "Choose an action; nothing changed.")
        except ValidationError as exc:
            refuse(request, exc)
        return redirect(opening)


class ShortlistSaveView(LeadershipMixin, View):
    """POST: save an opening to my shortlist (with a note), or take it off."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        opening = self.get_opening()
        if request.POST.get("remove"):
            services.shortlist_remove(member=self.member, opening=opening)
            messages.info(request, f"“{opening.title}” is off your shortlist.")
            if request.POST.get("next") == "shortlist":
                return redirect("leadership:shortlist")
            return redirect(opening)
        form = forms.ShortlistForm(request.POST)
        if not form.is_valid():
            view = OpeningDetailView(request=request, kwargs=self.kwargs)
            return view.render_to_response(
                view.get_context_data(shortlist_form=form), status=400
            )
        try:
            services.shortlist_save(
                member=self.member, opening=opening, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            refuse(request, exc)
            return redirect(opening)
        count = len(selectors.shortlist_for(self.member))
        text = f"Saved to your shortlist ({count})."
        if count > services.SHORTLIST_ADVICE:
            text += (
                f" The advice is 3 to {services.SHORTLIST_ADVICE} realistic roles: "
                "consider dropping one."
            )
        messages.success(request, text)
        if request.POST.get("next") == "shortlist":
            return redirect("leadership:shortlist")
        return redirect(opening)


class GotRoleView(LeadershipMixin, View):
    """POST "I got this role": it joins my leadership portfolio."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        opening = self.get_opening()
        if opening.status not in (Opening.Status.OPEN, Opening.Status.CLOSED):
            raise Http404("Not a posted opening")
        form = forms.GotRoleForm(request.POST)
        if not form.is_valid():
            view = OpeningDetailView(request=request, kwargs=self.kwargs)
            return view.render_to_response(
                view.get_context_data(got_form=form), status=400
            )
        role = services.role_from_opening(
            member=self.member,
            opening=opening,
            start=form.cleaned_data["start"],
            by=request.user,
        )
        messages.success(
            request,
            "Congratulations! It's in your leadership portfolio: add the end date "
            "and what came of it when you can.",
        )
        return redirect(reverse("members:leadership_edit", args=[role.pk]))


class ShortlistView(LeadershipMixin, TemplateView):
    """My shortlist: private, with notes and deadlines."""

    template_name = "leadership/shortlist.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            entries=selectors.shortlist_for(self.member),
            advice=services.SHORTLIST_ADVICE,
            today=timezone.localdate(),
        )
        return context
