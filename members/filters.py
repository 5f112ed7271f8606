"""Filters for the directory (privacy-aware) and the co-lead member list."""

import django_filters
from django import forms
from django.db.models import Q
from django_countries import countries

from imgportal.widgets import FastSelect, FastSelectMultiple
from members.languages import LANGUAGES
from members.models import Member, Program, Specialty, User


def _matching(word: str, *, email: bool):
    """The accounts whose name (or preferred name, or email) contains `word`,
    as a subquery: each part reads its own trigram index (members.0012), so a
    search costs the matches it finds, not a pass over every member."""
    names = Q(first_name__icontains=word) | Q(last_name__icontains=word)
    if email:
        names |= Q(email__icontains=word)
    by_name = User.objects.filter(names).order_by().values("pk")
    preferred = (
        Member.objects.filter(preferred_name__icontains=word)
        .order_by()
        .values("user_id")
    )
    return by_name.union(preferred)


def _search(queryset, value: str, *, email: bool):
    for word in value.split()[:5]:
        queryset = queryset.filter(user__in=_matching(word, email=email))
    return queryset


def _search_name(queryset, name, value):
    return _search(queryset, value, email=False)


def _shown(field: str):
    """Filter on a field only among members who show it in the directory, so a
    filter can never reveal what a member chose to hide."""

    def method(queryset, name, value):
        if value in (None, "", []):
            return queryset
        lookup = "languages__contains" if field == "languages" else field
        value = [value] if field == "languages" else value
        return queryset.filter(**{lookup: value, "directory_fields__contains": [field]})

    return method


class DirectoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name", method=_search_name)
    specialty = django_filters.ModelChoiceFilter(
        queryset=Specialty.objects.all(), method=_shown("specialty"), widget=FastSelect
    )
    training_stage = django_filters.ChoiceFilter(
        label="Training stage",
        choices=Member.TrainingStage.choices,
        method=_shown("training_stage"),
        widget=FastSelect,
    )
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), method=_shown("program"), widget=FastSelect
    )
    home_country = django_filters.ChoiceFilter(
        label="Home country",
        choices=list(countries),
        method=_shown("home_country"),
        widget=FastSelect,
    )
    language = django_filters.ChoiceFilter(
        label="Language",
        choices=LANGUAGES,
        method=_shown("languages"),
        widget=FastSelect,
    )

    class Meta:
        model = Member
        fields: list[str] = []


SORTS = {
    "name": ("user__last_name", "user__first_name", "pk"),
    "-joined": ("-joined_at", "pk"),
    "joined": ("joined_at", "pk"),
    "status": ("status", "user__last_name", "pk"),
    "stage": ("training_stage", "user__last_name", "pk"),
}


class MemberListFilter(django_filters.FilterSet):
    # distinct=False: these are columns of the member's own row, so no filter
    # can repeat a member, and SELECT DISTINCT over every column made PostgreSQL
    # sort the whole filtered list before it could page it.
    q = django_filters.CharFilter(label="Name or email", method="search")
    status = django_filters.MultipleChoiceFilter(
        choices=Member.Status.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    visa_status = django_filters.MultipleChoiceFilter(
        label="Visa status",
        choices=Member.VisaStatus.choices,
        distinct=False,
        widget=FastSelectMultiple,
    )
    training_stage = django_filters.MultipleChoiceFilter(
        label="Training stage",
        choices=Member.TrainingStage.choices,
        distinct=False,
        widget=FastSelectMultiple,
    )
    specialty = django_filters.ModelChoiceFilter(
        queryset=Specialty.objects.all(), widget=FastSelect
    )
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), widget=FastSelect
    )
    home_country = django_filters.ChoiceFilter(
        label="Home country", choices=list(countries), widget=FastSelect
    )
    joined_after = django_filters.DateFilter(
        field_name="joined_at",
        lookup_expr="date__gte",
        label="Joined on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    joined_before = django_filters.DateFilter(
        field_name="joined_at",
        lookup_expr="date__lte",
        label="Joined on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        empty_label=None,
        choices=[
            ("name", "Name"),
            ("-joined", "Newest first"),
            ("joined", "Oldest first"),
            ("status", "Status"),
            ("stage", "Training stage"),
        ],
        method="sort_by",
    )

    class Meta:
        model = Member
        fields: list[str] = []

    def search(self, queryset, name, value):
        # Each word in a name, a preferred name or the email address.
        return _search(queryset, value, email=True)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["name"]))
