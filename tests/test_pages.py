"""Error pages in the portal's look, and the client address behind a proxy."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We can't find that page" in page
    assert 'href="#content"' in page  # the portal's layout, with its skip link


def test_forbidden_page_is_a_friendly_403(resident):
    response = client_for(resident).get(reverse("members:join_requests"))
    assert response.status_code == 403
    assert "You don't have access to this page" in response.content.decode()


def test_server_error_page_renders_without_a_database_or_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_too_many_sign_ups_from_one_address_get_the_429_page(client):
    statuses = [
        client.post(
            reverse("account_signup"), {"email": f"x{i}@example.org"}
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_rate_limits_use_the_trusted_proxy_header_when_configured(
    client, resident, settings
):
    """Behind a proxy, each client (by its X-Real-IP) has its own failure budget."""
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    for i in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{i}@example.org", "password": "wrong-password-here"},
            HTTP_X_REAL_IP="203.0.113.9",
        )
    blocked = client.post(
        reverse("account_login"),
        {"login": resident.user.email, "password": PASSWORD},
        HTTP_X_REAL_IP="203.0.113.9",
    )
    assert "Too many failed login attempts" in blocked.content.decode()
    other_client = client.post(
        reverse("account_login"),
        {"login": resident.user.email, "password": PASSWORD},
        HTTP_X_REAL_IP="198.51.100.20",
    )
    assert other_client.status_code == 302


def test_a_malformed_proxy_address_header_does_not_break_pages(
    client, resident, settings
):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    client.force_login(resident.user)
    response = client.get(reverse("home"), HTTP_X_REAL_IP="not-an-ip")
    assert response.status_code == 200
