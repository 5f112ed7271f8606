"""A PostgreSQL connection killed under the portal (a failover, an idle-connection
reaper, an administrator's pg_terminate_backend): the next request still works.

Requests go through Django's production WSGIHandler, whose request_started signal
checks the persistent connection (the test Client skips that check, and the live
server closes its connections after every request, so neither would show it).
Only this test's own connection is terminated; the server keeps running."""

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test.client import RequestFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _get(path: str) -> str:
    statuses = []
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    body = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(body)
    return statuses[0]


def _terminate(pid: int) -> None:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.usefixtures("reference_data")
def test_the_next_request_succeeds_after_the_database_connection_is_killed():
    assert _get("/handbook/") == "200 OK"
    connection.ensure_connection()
    killed = connection.connection.info.backend_pid
    _terminate(killed)
    # CONN_HEALTH_CHECKS: the dead connection is noticed when the request starts
    # and replaced, instead of the request failing with a 500.
    assert _get("/handbook/") == "200 OK"
    assert connection.connection.info.backend_pid != killed
    assert _get("/healthz") == "200 OK"
