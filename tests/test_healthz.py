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
