"""FastSelect writes exactly the HTML Django's Select writes, only faster."""

import re

from django import forms

from imgportal.widgets import FastSelect


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_fast_select_renders_the_same_html_as_djangos_select():
    choices = [
        ("", "Any country"),
        ("IN", "India"),
        ("CI", "Côte d'Ivoire & <Co>"),
        ("Europe", [("FR", "France"), ("DE", "Germany")]),
    ]
    attrs = {"class": "form-select", "id": "id_home_country", "required": False}
    for value in ("", "IN", "FR", None, "XX"):
        slow = forms.Select(choices=choices).render("home_country", value, attrs)
        fast = FastSelect(choices=choices).render("home_country", value, attrs)
        assert _normalised(fast) == _normalised(slow), value
    assert "&lt;Co&gt;" in FastSelect(choices=choices).render("c", "", attrs)


def test_fast_select_matches_django_for_model_choices_and_marks_one_selected(db):
    from members.models import Specialty

    Specialty.objects.get_or_create(name="Internal Medicine & <Peds>")
    field = forms.ModelChoiceField(queryset=Specialty.objects.order_by("name"))
    chosen = Specialty.objects.order_by("name").last().pk
    attrs = {"class": "form-select", "id": "id_specialty"}
    for value in (None, chosen, str(chosen)):
        slow = forms.Select(choices=field.choices).render("specialty", value, attrs)
        fast = FastSelect(choices=field.choices).render("specialty", value, attrs)
        assert _normalised(fast) == _normalised(slow), value
    duplicated = [("a", "First"), ("a", "Second")]
    html = FastSelect(choices=duplicated).render("x", "a")
    assert html.count(" selected") == 1
    assert _normalised(html) == _normalised(
        forms.Select(choices=duplicated).render("x", "a")
    )


def test_fast_select_multiple_matches_djangos_select_multiple():
    from imgportal.widgets import FastSelectMultiple

    choices = [("j1", "J-1"), ("h1b", "H-1B & <co>"), ("other", "Other")]
    attrs = {"class": "form-select", "id": "id_visa_status"}
    for value in (None, [], ["j1"], ["j1", "other"], ["nope"]):
        slow = forms.SelectMultiple(choices=choices).render("visa", value, attrs)
        fast = FastSelectMultiple(choices=choices).render("visa", value, attrs)
        assert _normalised(fast) == _normalised(slow), value
    assert (
        FastSelectMultiple(choices=choices)
        .render("v", ["j1", "h1b"])
        .count(" selected")
        == 2
    )
