import fcntl
import html
import importlib
import re

import pytest
from celery.contrib.testing.worker import start_worker
from django.apps import apps as django_apps
from django.core.management import call_command
from django.test import Client

from imgportal.celery import app as celery_app
from members.models import Member, Role
from tests.factories import MemberFactory, UserFactory, give_totp
from tests.servers import OwnRedis, use_broker


@pytest.fixture(scope="session", autouse=True)
def _collected_static(worker_id, tmp_path_factory):
    """Production static storage (hashed names) needs collectstatic, as in deploys.
    The parallel test processes (pytest-xdist's gw0, gw1) share one STATIC_ROOT,
    which servers the tests start in subprocesses read too: the first process
    collects, under a lock, and the other waits for it (pytest-xdist's pattern
    for session-wide set-up)."""
    if worker_id == "master":
        call_command("collectstatic", interactive=False, verbosity=0)
        return
    shared = tmp_path_factory.getbasetemp().parent
    with (shared / "collectstatic.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "collectstatic.done"
        if not done.exists():
            call_command("collectstatic", interactive=False, verbosity=0)
            done.touch()


@pytest.fixture(scope="session", autouse=True)
def _celery_eager():
    """Tasks run inline unless a test starts a real worker (tests/test_tasks.py)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test Client builds its own middleware; without this, WhiteNoise would
    # index every static file again for each one (seconds per test).
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(scope="session")
def _media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, _media_dir):
    """Uploaded files (handbook images and PDFs) go to a temporary folder, never
    into the working tree's var/media."""
    settings.MEDIA_ROOT = str(_media_dir)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the (test) Redis cache: start each test clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests flush the database, data migrations included: rerun them.

    (Django's serialized_rollback does not restore reliably once Playwright's event
    loop runs in the test thread, so the migrations' own functions are called.)
    """
    for module, function in (
        ("members.migrations.0002_roles", "create_roles"),
        ("members.migrations.0003_specialties", "load"),
        ("members.migrations.0006_member_list_permission", "grant"),
        ("newsletters.migrations.0002_send_permission", "grant"),
        ("events.migrations.0002_manage_permission", "grant"),
        ("handbook.migrations.0002_revisions_immutable_and_roles", "grant"),
        ("tracker.migrations.0002_counts_permission", "grant"),
        ("tracker.migrations.0003_keep_own_status_permission", "grant"),
        ("mentorship.migrations.0002_run_matching_permission", "grant"),
        ("leadership.migrations.0002_post_permission", "grant"),
    ):
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture
def real_worker(own_redis):
    """A Celery worker thread consuming from a Redis server of the test's own.

    Not the machine's shared Redis: there the broker database is also the cache
    that every test empties (FLUSHDB), and whatever else happened to it in this
    process (a pooled connection from an earlier test, a message someone left)
    made the worker test fail about one clean-clone run in three with the email
    still queued. A fresh server and fresh connections leave nothing to share."""
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


@pytest.fixture
def resident(db) -> Member:
    return MemberFactory(roles=[Role.RESIDENT])


@pytest.fixture
def mentor(db) -> Member:
    return MemberFactory(
        roles=[Role.RESIDENT, Role.MENTOR], training_stage=Member.TrainingStage.FELLOW
    )


@pytest.fixture
def gme_staff(db) -> Member:
    member = MemberFactory(roles=[Role.GME_STAFF], visa_status="", training_stage="")
    give_totp(member.user)
    return member


@pytest.fixture
def co_lead(db) -> Member:
    member = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(member.user)
    return member


@pytest.fixture
def handbook_editor(db) -> Member:
    return MemberFactory(roles=[Role.RESIDENT, Role.HANDBOOK_EDITOR])


@pytest.fixture
def pending_member(db) -> Member:
    return MemberFactory(status=Member.Status.PENDING)


@pytest.fixture
def unverified_user(db):
    """Signed up but never clicked the verification link."""
    user = UserFactory(email_verified=False)
    MemberFactory(user=user, status=Member.Status.PENDING)
    return user


def client_for(member_or_user) -> Client:
    user = getattr(member_or_user, "user", member_or_user)
    client = Client()
    client.force_login(user)
    return client


def page_text(response) -> str:
    """A page's HTML with entities decoded (so "can't" matches "can&#x27;t")."""
    return html.unescape(response.content.decode())


CONFIRM_FIELD = re.compile(r'name="confirm_fingerprint" value="([0-9a-f]+)"')


def confirm_fingerprint(response) -> str:
    """The fingerprint a confirm page asks to post back (fails if it isn't one)."""
    found = CONFIRM_FIELD.search(response.content.decode())
    assert found, f"not a confirm page: {response.status_code}"
    return found.group(1)


def post_confirmed(client, url: str, data: dict | None = None, **kwargs):
    """Press the button, read the confirm page, and confirm it, as a person
    does: the second POST carries the page's fingerprint."""
    data = dict(data or {})
    first = client.post(url, data)
    assert first.status_code == 200, first.status_code
    return client.post(
        url, {**data, "confirm_fingerprint": confirm_fingerprint(first)}, **kwargs
    )


@pytest.fixture
def url_context(db, resident, mentor, co_lead) -> dict:
    """Objects for URLs that take an id, each belonging to a known role."""
    from tests.urls import build_url_context

    return build_url_context(resident, mentor, co_lead)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own on a spare port, as Celery's broker."""
    redis = OwnRedis(tmp_path)
    redis.start()
    previous = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    use_broker(redis.url)
    try:
        yield redis
    finally:
        redis.stop()
        use_broker(previous)
        celery_app.conf.task_always_eager = True
