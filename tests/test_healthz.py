import socket

import pytest


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_healthz_reports_ok_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_unreachable(client, settings):
    """REDIS_URL pointing at a closed port: Redis is reported down, status 503."""
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "error"}


@pytest.mark.django_db
def test_healthz_reveals_no_configuration(client, settings):
    settings.REDIS_URL = f"redis://:sekrit-password@127.0.0.1:{_closed_port()}/0"
    body = client.get("/healthz").content.decode()
    assert "sekrit" not in body
    assert "127.0.0.1" not in body


# --- /healthz/deep: beat, workers and mail, for monitors (issue #18).

DEEP_KEYS = {
    "status",
    "failing",
    "database",
    "redis",
    "beat_age_seconds",
    "worker_age_seconds",
    "oldest_queued_email_age_seconds",
    "failed_deliveries_24h",
}


@pytest.fixture
def fresh_heartbeats():
    """Beat and one worker wrote just now (the fault tests run the real ones)."""
    from imgportal import heartbeats

    heartbeats.beat_touch()
    heartbeats.worker_touch("celery@test-host")


def _email(**fields):
    from notifications.models import OutboundEmail

    fields.setdefault("idempotency_key", f"test:{OutboundEmail.objects.count()}")
    return OutboundEmail.objects.create(
        to="zq.health@example.org", subject="Your visa letter", body_text="…", **fields
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_heartbeats")
def test_deep_is_green_with_fresh_heartbeats_and_nothing_waiting(client):
    response = client.get("/healthz/deep")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == DEEP_KEYS
    assert body["status"] == "ok" and body["failing"] == []
    assert body["database"] == body["redis"] == "ok"
    assert 0 <= body["beat_age_seconds"] < 5
    assert 0 <= body["worker_age_seconds"] < 5
    assert body["oldest_queued_email_age_seconds"] is None
    assert body["failed_deliveries_24h"] == 0


@pytest.mark.django_db
def test_deep_is_503_naming_beat_when_beat_never_ticked(client):
    from imgportal import heartbeats

    heartbeats.worker_touch("celery@test-host")
    response = client.get("/healthz/deep")
    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]
    assert response.json()["beat_age_seconds"] is None


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_heartbeats")
def test_deep_names_the_worker_when_every_worker_went_quiet(client, settings):
    import time

    import redis

    from imgportal import heartbeats

    stale = redis.Redis.from_url(settings.REDIS_URL)
    stale.hset(heartbeats.WORKERS_KEY, "celery@test-host", time.time() - 600)
    response = client.get("/healthz/deep")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert 599 < response.json()["worker_age_seconds"] < 610
    settings.HEALTH_WORKER_MAX_AGE = 900
    assert client.get("/healthz/deep").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_heartbeats")
def test_an_email_queued_for_an_hour_turns_the_check_red(client):
    from datetime import timedelta

    from django.utils import timezone

    _email(created_at=timezone.now() - timedelta(minutes=5))
    assert client.get("/healthz/deep").status_code == 200
    _email(created_at=timezone.now() - timedelta(hours=1))
    response = client.get("/healthz/deep")
    assert response.status_code == 503
    assert response.json()["failing"] == ["email_queue"]
    assert 3599 < response.json()["oldest_queued_email_age_seconds"] < 3610


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_heartbeats")
def test_failed_emails_and_deliveries_of_the_last_day_count_past_the_limit(
    client, settings, resident
):
    from datetime import timedelta

    from django.utils import timezone

    from newsletters.models import Delivery, Newsletter

    now = timezone.now()
    settings.HEALTH_FAILED_MAX = 2
    _email(status="failed", published_at=now - timedelta(hours=3))
    _email(status="failed", published_at=now - timedelta(days=3))  # long ago
    _email(status="sent", sent_at=now, published_at=now)
    newsletter = Newsletter.objects.create(
        subject="June", body="…", created_by=resident.user, status="sent"
    )
    Delivery.objects.create(
        newsletter=newsletter,
        member=resident,
        email=resident.user.email,
        status="failed",
        claimed_at=now - timedelta(hours=1),
    )
    response = client.get("/healthz/deep")
    assert response.status_code == 200
    assert response.json()["failed_deliveries_24h"] == 2
    _email(status="failed", created_at=now - timedelta(minutes=1))  # never published
    response = client.get("/healthz/deep")
    assert response.status_code == 503
    assert response.json()["failing"] == ["failed_deliveries"]
    assert response.json()["failed_deliveries_24h"] == 3


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_heartbeats")
def test_a_newsletter_stuck_mid_send_counts_as_mail_waiting(client, resident, mentor):
    """Its due deliveries wait since it started; one whose retry is later is
    not late (yet)."""
    from datetime import timedelta

    from django.utils import timezone

    from newsletters.models import Delivery, Newsletter

    now = timezone.now()
    newsletter = Newsletter.objects.create(
        subject="June",
        body="…",
        created_by=resident.user,
        status="sending",
        started_at=now - timedelta(hours=2),
    )
    later = Delivery.objects.create(
        newsletter=newsletter,
        member=mentor,
        email=mentor.user.email,
        next_attempt_at=now + timedelta(minutes=10),
    )
    assert client.get("/healthz/deep").status_code == 200
    Delivery.objects.create(
        newsletter=newsletter, member=resident, email=resident.user.email
    )
    response = client.get("/healthz/deep")
    assert response.status_code == 503
    assert response.json()["failing"] == ["email_queue"]
    assert 7199 < response.json()["oldest_queued_email_age_seconds"] < 7210
    assert later.status == "pending"


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_heartbeats")
def test_deep_asks_for_the_token_when_one_is_set(client, settings):
    settings.HEALTH_TOKEN = "monitor-token-6b1f"
    assert client.get("/healthz/deep").status_code == 403
    wrong = {"Authorization": "Bearer not-it"}
    assert client.get("/healthz/deep", headers=wrong).status_code == 403
    right = {"Authorization": "Bearer monitor-token-6b1f"}
    assert client.get("/healthz/deep", headers=right).status_code == 200
    assert client.get("/healthz/deep?token=monitor-token-6b1f").status_code == 200
    assert client.get("/healthz").status_code == 200  # load balancers: no token


@pytest.mark.django_db
def test_deep_shows_ages_and_counts_only(client, settings):
    """No address, subject, host name or configuration in the answer."""
    from datetime import timedelta

    from django.utils import timezone

    from imgportal import heartbeats

    heartbeats.worker_touch("celery@secret-host-name")
    _email(created_at=timezone.now() - timedelta(hours=1))
    _email(status="failed", published_at=timezone.now())
    body = client.get("/healthz/deep").content.decode()
    for hidden in ("zq.health", "visa letter", "secret-host-name", "redis://"):
        assert hidden not in body
    settings.REDIS_URL = f"redis://:sekrit-password@127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz/deep")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis", "beat", "worker", "email_queue"]
    assert "sekrit" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_heartbeats")
def test_health_checks_answer_over_plain_http_when_https_is_enforced(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # its middleware reads the setting now
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/deep").status_code == 200
    assert client.get("/handbook/").status_code == 301


# --- The System page: site admins only.


@pytest.fixture
def site_admin_without_profile(db):
    """A superuser made with createsuperuser: no member profile at all."""
    from members.models import User
    from tests.factories import give_totp

    user = User.objects.create_superuser("root@example.org", "a-long-password-1")
    give_totp(user)
    return user


@pytest.mark.usefixtures("fresh_heartbeats")
def test_a_site_admin_without_a_profile_reads_the_system_page(
    site_admin_without_profile,
):
    from tests.conftest import client_for, page_text

    response = client_for(site_admin_without_profile).get("/system/")
    assert response.status_code == 200
    text = page_text(response)
    assert "<h1" in text and ">System</h1>" in text
    assert "Everything is working" in text
    for label in (
        "Celery beat last ticked",
        "A Celery worker last reported",
        "The oldest email still waiting to be sent",
        "Emails that failed in the last 24 hours",
        "celery@test-host",
        "Single emails (the outbox)",
        "Newsletter deliveries",
    ):
        assert label in text, label
    assert 'href="/system/"' in text  # in the menu


@pytest.mark.django_db
def test_the_system_page_shows_what_is_failing(site_admin_without_profile):
    from tests.conftest import client_for, page_text

    text = page_text(client_for(site_admin_without_profile).get("/system/"))
    assert "Something needs attention: beat, worker" in text
    assert "never seen" in text and "Failing" in text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["co_lead", "gme_staff", "resident"])
def test_nobody_but_a_site_admin_opens_the_system_page(role, request):
    from tests.conftest import client_for, page_text

    client = client_for(request.getfixturevalue(role))
    assert client.get("/system/").status_code == 403
    assert 'href="/system/"' not in page_text(client.get("/"))


@pytest.mark.django_db
def test_the_system_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/system/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_site_admin_without_two_factor_is_sent_to_set_it_up(client):
    from members.models import User

    user = User.objects.create_superuser("new-root@example.org", "a-long-password-1")
    client.force_login(user)
    response = client.get("/system/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
