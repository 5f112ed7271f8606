import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from imgportal.csv_export import csv_response
from imgportal.form_errors import add_errors
from imgportal.fragments import render_each
from imgportal.pagination import BoundedPaginator
from imgportal.personal_data import export_all
from members import forms, portfolio, selectors, services
from members.filters import DirectoryFilter
from members.models import LeadershipRole, Member
from members.permissions import (
    MANAGE_MEMBERS,
    VIEW_MEMBER_LIST,
    PortalPermissionRequiredMixin,
    can_see_visa,
    has_member_profile,
    is_awaiting_approval,
)
from members.readable import readable_key, readable_value


class PendingView(LoginRequiredMixin, TemplateView):
    """What someone sees between signing up and a co-lead's approval."""

    template_name = "members/member_pending.html"

    def get(self, request, *args, **kwargs):
        if not is_awaiting_approval(request.user):
            return redirect("home")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member"] = selectors.member_for_user(self.request.user)
        return context


class NoProfileView(LoginRequiredMixin, TemplateView):
    """A signed-in account with no member profile (a site admin made with
    `createsuperuser`): what it can do, and a button to make a profile."""

    template_name = "members/no_profile.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_member_profile(request.user):
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        member = services.own_profile_create(user=request.user)
        if member.is_pending:
            messages.success(request, "Your join request is with the co-leads.")
            return redirect("members:pending")
        messages.success(request, "Your member profile is ready: fill it in here.")
        return redirect("members:profile_edit")


# --- Directory and profiles --------------------------------------------------


class MemberDirectoryView(PortalPermissionRequiredMixin, ListView):
    """Approved members, each showing only what they chose to show."""

    template_name = "members/member_directory.html"
    context_object_name = "members"
    paginate_by = 24
    paginator_class = BoundedPaginator

    def get_queryset(self):
        self.filterset = DirectoryFilter(
            self.request.GET, queryset=selectors.directory_for(self.request.user)
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["cards"] = render_each(
            "members/cards/directory_card.html",
            [directory_card(member) for member in context["members"]],
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


def directory_card(member: Member) -> dict:
    """What a member's directory card shows (what they chose to show), as
    plain values: the card's cache key (imgportal/fragments.py)."""

    def shown(field, value):
        return value if member.shows(field) and value else ""

    return {
        "url": member.get_absolute_url(),
        "name": member.full_name,
        "pronouns": shown("pronouns", member.pronouns),
        "stage": shown("training_stage", member.get_training_stage_display()),
        "specialty": shown("specialty", member.specialty and str(member.specialty)),
        "program": shown("program", member.program and str(member.program)),
        "country": shown(
            "home_country", member.home_country and member.home_country.name
        ),
        "languages": shown("languages", member.language_names()),
    }


class MemberDetailView(PortalPermissionRequiredMixin, DetailView):
    """A member's page. Visa status only for them, co-leads and GME staff."""

    template_name = "members/member_detail.html"
    context_object_name = "profile"

    def get_object(self, queryset=None):
        try:
            return selectors.member_detail_for(
                viewer=self.request.user, pk=self.kwargs["pk"]
            )
        except Member.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer, profile = self.request.user, self.object
        is_self = profile.user_id == viewer.pk
        staff_view = viewer.has_perm(VIEW_MEMBER_LIST)
        roles = list(profile.leadership_roles.all())
        if not (is_self or staff_view):
            # Others see the roles held now, and only if the member opted in.
            today = timezone.localdate()
            roles = [
                r
                for r in roles
                if "leadership" in profile.directory_fields
                and r.start <= today
                and (r.end is None or r.end >= today)
            ]
        context.update(
            roles=roles,
            is_self=is_self,
            full_view=is_self or staff_view,
            show_visa=can_see_visa(viewer, profile),
            can_manage=viewer.has_perm(MANAGE_MEMBERS),
            audit_entries=selectors.audit_entries_for(viewer=viewer, member=profile)[
                :50
            ],
        )
        if context["show_visa"] and not is_self:
            services.visa_views_record(viewer=viewer, members=[profile])
        return context


class OwnProfileRedirectView(PortalPermissionRequiredMixin, View):
    def get(self, request):
        member = selectors.member_for_user(request.user)
        if member is None:
            raise Http404
        return redirect(member)


class _ProfileEditMixin:
    template_name = "members/member_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.profile
        return kwargs

    def form_valid(self, form):
        try:
            services.member_update_profile(
                member=self.profile,
                by=self.request.user,
                data=form.member_data(),
                user_data=form.user_data(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Profile saved.")
        return redirect(self.profile)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = self.profile
        return context


class OwnProfileEditView(PortalPermissionRequiredMixin, _ProfileEditMixin, FormView):
    """A member edits their own profile, visa status and directory choices."""

    form_class = forms.OwnProfileForm

    def dispatch(self, request, *args, **kwargs):
        self.profile = selectors.member_for_user(request.user)
        if request.user.is_authenticated and self.profile is None:
            return redirect("members:no_profile")
        return super().dispatch(request, *args, **kwargs)


class MemberEditView(PortalPermissionRequiredMixin, _ProfileEditMixin, FormView):
    """A co-lead corrects someone's profile (never their visa status or roles)."""

    permission_required = MANAGE_MEMBERS
    form_class = forms.MemberProfileForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.has_perm(MANAGE_MEMBERS):
            self.profile = get_object_or_404(
                selectors.member_list_for(request.user), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)


class LeadershipRoleFormView(PortalPermissionRequiredMixin, FormView):
    """Add or change a role in the signed-in member's leadership portfolio."""

    template_name = "members/leadershiprole_form.html"
    form_class = forms.LeadershipRoleForm

    # Loaded after the permission check (in the handler), never before it.
    @cached_property
    def member(self) -> Member | None:
        return selectors.member_for_user(self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            kwargs["instance"] = get_object_or_404(
                LeadershipRole, member=self.member, pk=self.kwargs["pk"]
            )
        else:
            kwargs["instance"] = LeadershipRole(member=self.member)
        return kwargs

    def form_valid(self, form):
        services.leadership_role_save(role=form.instance, by=self.request.user)
        messages.success(self.request, "Leadership role saved.")
        return redirect(self.member)


class LeadershipRoleDeleteView(PortalPermissionRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        member = selectors.member_for_user(request.user)
        role = get_object_or_404(LeadershipRole, pk=pk, member=member)
        services.leadership_role_delete(role=role, by=request.user)
        messages.info(request, "Leadership role removed.")
        return redirect(member)


class LeadershipPortfolioCSVView(PortalPermissionRequiredMixin, View):
    """The signed-in member's leadership portfolio as a CSV for a CV: the roles
    they recorded, their co-lead terms, the events they organised or spoke at."""

    def get(self, request):
        member = selectors.member_for_user(request.user)
        if member is None:
            raise Http404
        return csv_response(
            "leadership.csv",
            ["Section", "Role", "Title", "Start", "End", "Dates (CV)", "Outcome"],
            (
                (
                    entry.section,
                    entry.role,
                    entry.title,
                    entry.start,
                    entry.start if entry.one_day else entry.end or "ongoing",
                    entry.dates,
                    entry.outcome,
                )
                for entry in portfolio.portfolio(member)
            ),
        )


class LeadershipCVView(PortalPermissionRequiredMixin, TemplateView):
    """The portfolio as a CV section, to print or save as PDF."""

    template_name = "members/leadership_cv.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = selectors.member_for_user(self.request.user)
        if member is None:
            raise Http404
        context.update(
            member=member, sections=portfolio.by_section(portfolio.portfolio(member))
        )
        return context


class MyDataMixin(PortalPermissionRequiredMixin):
    def my_data(self) -> dict[str, object]:
        member = selectors.member_for_user(self.request.user)
        if member is None:
            raise Http404
        services.member_record_data_download(member=member)
        return export_all(member)


class MyDataView(MyDataMixin, View):
    """Everything the portal holds about the signed-in member, as JSON: every
    app's section (imgportal.personal_data)."""

    def get(self, request):
        response = HttpResponse(
            json.dumps(self.my_data(), cls=DjangoJSONEncoder, indent=2),
            content_type="application/json",
        )
        response["Content-Disposition"] = (
            'attachment; filename="my-img-portal-data.json"'
        )
        return response


class MyDataPageView(MyDataMixin, TemplateView):
    """The same sections as the JSON download, as a page a person can read."""

    template_name = "members/my_data.html"

    def get_context_data(self, **kwargs):
        sections = []
        for name, data in self.my_data().items():
            title = readable_key(name)
            if isinstance(data, dict) or data is None:
                items = [
                    (readable_key(key), readable_value(key, value))
                    for key, value in (data or {}).items()
                ]
                sections.append({"title": title, "items": items})
            elif not all(isinstance(row, dict) for row in data):
                sections.append(
                    {"title": title, "items": [("", readable_value(name, data))]}
                )
            else:
                columns = list(dict.fromkeys(key for row in data for key in row))
                sections.append(
                    {
                        "title": title,
                        "columns": [readable_key(c) for c in columns],
                        "rows": [
                            [readable_value(c, row.get(c)) for c in columns]
                            for row in data
                        ],
                    }
                )
        return super().get_context_data(sections=sections, **kwargs)


class DeletionRequestView(PortalPermissionRequiredMixin, FormView):
    """A member asks for their data to be deleted; a co-lead confirms."""

    template_name = "members/deletionrequest_form.html"
    form_class = forms.DeletionRequestForm

    def form_valid(self, form):
        member = selectors.member_for_user(self.request.user)
        services.deletion_request_create(
            member=member, reason=form.cleaned_data["reason"]
        )
        messages.success(
            self.request,
            "Your request is with the co-leads. We'll anonymise your profile once "
            "one of them confirms it.",
        )
        return redirect(member)
