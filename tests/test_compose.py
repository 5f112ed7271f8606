"""docker-compose.prod.yml, deploy/Caddyfile and the settings agree.

Docker's engine does not run on this project's machines, so the compose files are
parsed (PyYAML, anchors and merge keys resolved as Compose does) and their
variables interpolated from deploy/env.example the way Compose reads .env. The
environment web would get then loads the real settings in a fresh process, passes
`check --deploy`, and serves gunicorn for the container's own health check.
"""

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.env_variables import variables_read
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
PROD = ROOT / "docker-compose.prod.yml"
DEMO = ROOT / "docker-compose.yml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
PORTAL_SERVICES = ("web", "worker", "beat", "migrate", "manage")
LONG_RUNNING = ("caddy", "db", "redis", "web", "worker", "beat")
# Variables the settings read that production must not be handed, each with the
# reason. A variable added to the settings and missing from the compose file
# fails test_every_setting_variable_reaches_web_worker_and_beat until it is
# passed there or listed here.
NOT_FOR_PRODUCTION: dict[str, str] = {}
# Sample secrets for the values deploy/env.example leaves blank.
SAMPLE_SECRETS = {
    "SECRET_KEY": "compose-test-" + "k" * 60,
    "POSTGRES_PASSWORD": "0123456789abcdef" * 4,
    "BACKUP_ENCRYPTION_KEY": "",
}


class MissingVariable(Exception):
    pass


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _dotenv(path: Path) -> dict[str, str]:
    """A .env file as Compose reads it: KEY=VALUE, quotes removed, # comments."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if value[:1] in {'"', "'"} and value.endswith(value[0]) and len(value) > 1:
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        values[key.strip()] = value
    return values


def _resolve(expression: str, env: dict[str, str]) -> str:
    found = re.fullmatch(r"([A-Za-z_]\w*)(?:(:-|-|:\?|\?)(.*))?", expression, re.S)
    assert found, f"not a Compose variable: ${{{expression}}}"
    name, operator, argument = found.groups()
    value = env.get(name)
    if operator is None:
        return value or ""
    if operator == ":-":
        return value if value else interpolate(argument, env)
    if operator == "-":
        return value if value is not None else interpolate(argument, env)
    if (operator == ":?" and not value) or (operator == "?" and value is None):
        raise MissingVariable(f"{name}: {interpolate(argument, env)}")
    return value


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
    ${VAR?error} (nested) and $$."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            depth = 0
            for j in range(i + 1, len(text)):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                if depth == 0:
                    break
            out.append(_resolve(text[i + 2 : j], env))
            i = j + 1
        elif name := re.match(r"\$([A-Za-z_]\w*)", text[i:]):
            out.append(env.get(name.group(1), ""))
            i += len(name.group(0))
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def container_env(service: dict, dotenv: dict[str, str]) -> dict[str, str]:
    """The environment a container gets: a key without a value is passed on
    from .env when set there and left unset otherwise."""
    env = {}
    for name, value in (service.get("environment") or {}).items():
        if value is None:
            if name in dotenv:
                env[name] = dotenv[name]
        else:
            env[name] = interpolate(str(value), dotenv)
    return env


def _sample_dotenv() -> dict[str, str]:
    dotenv = _dotenv(ENV_EXAMPLE)
    for name, value in SAMPLE_SECRETS.items():
        if not dotenv.get(name):
            dotenv[name] = value
    return dotenv


def _web_env() -> dict[str, str]:
    return container_env(_load(PROD)["services"]["web"], _sample_dotenv())


def _caddyfile() -> str:
    """deploy/Caddyfile without its comments."""
    return re.sub(r"(^|\s)#.*$", "", CADDYFILE.read_text(), flags=re.M)


def _caddy_sets() -> dict[str, str]:
    """The request headers deploy/Caddyfile's reverse_proxy sets: name → value."""
    return dict(re.findall(r"^\s*header_up\s+(?!-)(\S+)\s+(\S+)", _caddyfile(), re.M))


def _clean_process_env(env: dict[str, str]) -> dict[str, str]:
    """Only what a container would have (plus PATH, HOME and the settings module
    that manage.py and wsgi.py name)."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/"),
        "DJANGO_SETTINGS_MODULE": "imgportal.settings",
        **env,
    }


# --- Every variable reaches every portal container.


def test_every_setting_variable_reaches_web_worker_and_beat():
    """What imgportal/settings.py reads is in the environment of web, worker,
    beat, migrate and manage; nothing there is ignored by the settings."""
    read = variables_read()
    assert {"SECRET_KEY", "TRUSTED_CLIENT_IP_HEADER", "EMAIL_HOST_PASSWORD"} <= read
    assert set(NOT_FOR_PRODUCTION) <= read, "an exemption for a variable now gone"
    services = _load(PROD)["services"]
    for name in PORTAL_SERVICES:
        passed = set(services[name]["environment"])
        missing = read - passed - set(NOT_FOR_PRODUCTION)
        assert not missing, f"{name} is not given {sorted(missing)}"
        assert not passed - read, f"{name} gets variables the settings never read"


def test_env_example_names_every_required_variable():
    """Each ${VAR:?…} in the compose file has a line in deploy/env.example, and
    the example with its blanks filled in satisfies them all."""
    text = PROD.read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "PORTAL_DOMAIN"} <= required
    assert required <= set(_dotenv(ENV_EXAMPLE))
    dotenv = _sample_dotenv()
    for service in _load(PROD)["services"].values():
        container_env(service, dotenv)  # raises MissingVariable if one is unmet
    with pytest.raises(MissingVariable, match="SECRET_KEY"):
        container_env(_load(PROD)["services"]["web"], {**dotenv, "SECRET_KEY": ""})


# --- The proxy: Caddy's headers are the ones the settings trust.


def test_proxy_settings_agree_with_caddy():
    """SECURE_PROXY_SSL_HEADER is the header Caddy sets on every request, and
    TRUSTED_CLIENT_IP_HEADER is the one deploy/Caddyfile overwrites with the TCP
    peer's address, so no client can choose either."""
    env = _web_env()
    caddyfile = _caddyfile()
    sets = _caddy_sets()
    # Caddy's reverse_proxy sets X-Forwarded-Proto to the request's scheme and
    # replaces a client's value unless that client is listed in trusted_proxies.
    assert env["SECURE_PROXY_SSL_HEADER"] == "X-Forwarded-Proto"
    assert "trusted_proxies" not in caddyfile
    assert not re.search(r"header_up\s+-?X-Forwarded-Proto", caddyfile, re.I)
    client_ip_header = env["TRUSTED_CLIENT_IP_HEADER"]
    assert sets.get(client_ip_header) in {"{remote_host}", "{client_ip}"}
    # Caddy forwards to the port gunicorn listens on, and serves the domain the
    # portal answers to.
    upstream = re.search(r"reverse_proxy\s+(\S+):(\d+)", caddyfile)
    assert upstream.groups() == ("web", "8000")
    assert "0.0.0.0:8000" in (ROOT / "Dockerfile").read_text()
    assert re.search(r"^\{\$PORTAL_DOMAIN\}\s*\{", caddyfile, re.M)
    domain = _sample_dotenv()["PORTAL_DOMAIN"]
    assert env["ALLOWED_HOSTS"] == domain
    assert env["SITE_URL"] == f"https://{domain}"


def test_production_environment_loads_settings_that_agree():
    """web's environment, as Compose would give it, loads the settings with the
    proxy headers understood, HTTPS enforced and DEBUG off."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER, "
        "s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.DEBUG, s.BACKUP_DIR, sep='|')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_process_env(_web_env()),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    domain = _sample_dotenv()["PORTAL_DOMAIN"]
    assert result.stdout.strip().split("|") == [
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "X-Real-IP",
        f"['{domain}']",
        f"['https://{domain}']",
        "True",
        "True",
        "False",
        "/backups",
    ]


def test_production_environment_passes_the_deploy_checklist():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_process_env(_web_env()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- Health checks that pass with the real ALLOWED_HOSTS.


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {process.stderr.read()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("gunicorn did not listen in time")


def _get_status(port: int, host: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    at = "@" if user or password else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}{at}{db.get('HOST') or ''}{port}/{db['NAME']}"


def test_web_health_check_passes_where_localhost_is_refused(django_db_setup):
    """gunicorn with production's environment (ALLOWED_HOSTS = the domain only):
    a request for localhost gets 400, and the container's health check, which
    sends an allowed Host, passes; with gunicorn gone it fails."""
    port = free_port()
    env = _clean_process_env(
        {
            **_web_env(),
            "DATABASE_URL": _database_url(),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
            "PORT": str(port),
        }
    )
    env.pop("CELERY_BROKER_URL", None)
    command = _load(PROD)["services"]["web"]["healthcheck"]["test"]
    assert command == ["CMD", "python", "deploy/healthcheck.py", "web"]
    check = [sys.executable, *command[2:]]
    gunicorn = subprocess.Popen(  # the Dockerfile's command, on a loopback port
        [
            sys.executable,
            "-m",
            "gunicorn",
            "imgportal.wsgi",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_port(port, gunicorn)
        assert _get_status(port, "localhost") == 400
        assert _get_status(port, env["ALLOWED_HOSTS"]) == 200
        passed = subprocess.run(
            check, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
        assert passed.returncode == 0, passed.stderr
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    failed = subprocess.run(
        check, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert failed.returncode == 1
    assert "unhealthy" in failed.stderr


def _healthcheck_module():
    spec = importlib.util.spec_from_file_location(
        "healthcheck", ROOT / "deploy" / "healthcheck.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_health_check_host_comes_from_allowed_hosts():
    host_header = _healthcheck_module().host_header
    assert host_header("portal.example.org,www.example.org") == "portal.example.org"
    assert host_header(" .example.org") == "example.org"  # the domain and below
    assert host_header("*") == "localhost"
    assert host_header("") == "localhost"


def test_beat_health_check_follows_its_schedule_file(tmp_path, monkeypatch):
    """beat is healthy while it keeps writing its schedule (whatever suffix dbm
    gives the file), unhealthy when the file is old or missing."""
    check_beat = _healthcheck_module().check_beat
    schedule = tmp_path / "celerybeat-schedule"
    monkeypatch.setenv("CELERY_BEAT_SCHEDULE_FILENAME", str(schedule))
    assert "no schedule file" in check_beat()
    (tmp_path / "celerybeat-schedule.dat").write_bytes(b"x")
    assert check_beat() is None
    old = time.time() - 3600
    os.utime(tmp_path / "celerybeat-schedule.dat", (old, old))
    assert "not written for" in check_beat()


# --- The shape of the stack.


def test_migrate_runs_once_before_web_worker_and_beat():
    services = _load(PROD)["services"]
    migrate = services["migrate"]
    assert migrate["command"][-2:] == ["migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
    assert "migrate" not in services["manage"]["depends_on"]  # restore needs none


def test_only_caddy_publishes_ports():
    services = _load(PROD)["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"caddy"}
    ports = {str(port).split(":")[-1] for port in services["caddy"]["ports"]}
    assert {"80", "443"} <= ports


def test_restart_policies_and_health_checks():
    """Long-running services come back after a crash or a reboot; one-shot ones
    do not loop. Every long-running service has a health check, and each
    service_healthy dependency points at a service that has one."""
    services = _load(PROD)["services"]
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["restart"] == services["manage"]["restart"] == "no"
    assert services["manage"]["profiles"] == ["tools"]  # not started by `up`
    for name, service in services.items():
        for target, rule in (service.get("depends_on") or {}).items():
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} → {target}"


def test_postgres_16_with_volumes_and_a_matching_client():
    """PostgreSQL 16 keeps its data in a named volume; the image's pg_dump is
    of the same major version; backups land in a volume of their own."""
    compose = _load(PROD)
    services = compose["services"]
    assert services["db"]["image"] == "postgres:16"
    assert "postgres:/var/lib/postgresql/data" in services["db"]["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG PG_MAJOR=16$", dockerfile, re.M)
    assert "postgresql-client-${PG_MAJOR}" in dockerfile
    backup_dir = _web_env()["BACKUP_DIR"]
    for name in ("web", "manage"):
        assert f"backups:{backup_dir}" in services[name]["volumes"]
    assert "beat:/app/var" in services["beat"]["volumes"]
    assert _web_env()["CELERY_BEAT_SCHEDULE_FILENAME"].startswith("/app/var/")
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in compose["volumes"], source
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_demo_compose_parses_and_its_health_check_sends_an_allowed_host():
    demo = _load(DEMO)["services"]
    assert demo["web"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "deploy/healthcheck.py",
        "web",
    ]
    assert "ALLOWED_HOSTS" in demo["web"]["environment"]
    assert demo["db"]["image"] == _load(PROD)["services"]["db"]["image"]


def test_the_sender_is_not_example_org_unless_the_deployer_sets_it():
    """env.example leaves DEFAULT_FROM_EMAIL commented out (a copied .env
    would otherwise send as no-reply@portal.example.org, which no relay's SPF
    allows): the settings' default, the group's name at the portal's own
    domain, applies; an empty value in .env does too."""
    assert "DEFAULT_FROM_EMAIL" not in _dotenv(ENV_EXAMPLE)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEFAULT_FROM_EMAIL)"
    )
    for extra in ({}, {"DEFAULT_FROM_EMAIL": ""}):
        env = _web_env()
        env.update(PORTAL_DOMAIN="portal.riverside.example", **extra)
        env.update(
            ALLOWED_HOSTS="portal.riverside.example",
            SITE_URL="https://portal.riverside.example",
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=_clean_process_env(env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "IMG Portal <no-reply@portal.riverside.example>"
