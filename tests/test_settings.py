"""Start-up rules that a wrong environment must trip, checked in a fresh process."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# Variables the test process may carry that a real deployment never has.
NOT_IN_PRODUCTION = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _clean_env(**env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_IN_PRODUCTION}
    clean.update(env)
    return clean


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = _clean_env(**env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _production_env() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "portal.example.org",
        "SITE_URL": "https://portal.example.org",
        "SECURE_SSL_REDIRECT": "1",
    }


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    """DEBUG off and no SECRET_KEY: the settings refuse to load, saying why."""
    result = _run("import django; django.setup()", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked_for():
    """With DEBUG unset the portal runs in production mode."""
    result = _run(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG)",
        SECRET_KEY=secrets.token_urlsafe(64),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_starts_without_secret_key_in_debug():
    result = _run("import django; django.setup()", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deploy_checklist():
    """`check --deploy --fail-level WARNING` is clean with production values."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(**_production_env(), SECURE_COOKIES="1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_are_host_prefixed_and_secure():
    result = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.X_FRAME_OPTIONS, "
        "s.SECURE_REFERRER_POLICY)",
        **_production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "DENY",
        "same-origin",
    ]


def test_two_portals_sharing_a_redis_never_share_cache_keys():
    """Cached entries (community counts, filter forms, permission sets) come
    from one database's rows: the key prefix names the database."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['KEY_PREFIX'])"
    )
    prefixes = []
    for url in ("postgres:///portal_a", "postgres:///portal_b", "postgres:///portal_a"):
        result = _run(code, DEBUG="1", DATABASE_URL=url)
        assert result.returncode == 0, result.stderr
        prefixes.append(result.stdout.strip())
    assert prefixes[0] != prefixes[1]
    assert prefixes[0] == prefixes[2]


def test_connection_options_from_the_database_url_are_kept():
    """The portal's planner setting joins, not replaces, options an operator
    put in DATABASE_URL (a statement timeout, a search path)."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    url = "postgres:///portal_a?options=-c%20statement_timeout%3D5000"
    result = _run(code, DEBUG="1", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    options = result.stdout.strip()
    assert "random_page_cost=1.1" in options
    assert "statement_timeout=5000" in options


def test_a_blank_group_name_or_office_in_env_means_the_default():
    """`GROUP_NAME=` left blank in .env would sign emails "Welcome to !"."""
    result = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.GROUP_NAME, s.GROUP_GME_OFFICE, sep='|')",
        DEBUG="1",
        GROUP_NAME=" ",
        GROUP_GME_OFFICE="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "IMG Portal|the Graduate Medical Education office"
