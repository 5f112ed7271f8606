import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import MemberFactory, give_totp

pytestmark = pytest.mark.django_db


def test_every_model_of_ours_is_in_the_admin():
    ours = [
        m
        for app in ("members", "imgportal")
        for m in apps.get_app_config(app).get_models()
    ]
    assert ours
    for model in ours:
        assert admin.site.is_registered(model), model


def _superuser():
    member = MemberFactory()
    member.user.is_superuser = member.user.is_staff = True
    member.user.save()
    return member


def test_superuser_must_set_up_2fa_before_the_admin():
    response = client_for(_superuser()).get(reverse("admin:index"))
    assert response["Location"] == reverse("mfa_activate_totp")


def test_superuser_can_open_every_admin_list():
    member = _superuser()
    give_totp(member.user)
    client = client_for(member)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
