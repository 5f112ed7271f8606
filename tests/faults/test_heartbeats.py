"""Beat and a worker, each in its own process as production runs them, on a
redis-server of the test's own: /healthz/deep is green while they run, and turns
red naming beat when beat is killed, then naming the worker when it is. The
worker stays green while idle (it reports from a timer, not from tasks)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.test import Client

from imgportal import logs
from imgportal.celery import app as celery_app
from tests.conftest import client_for
from tests.servers import ROOT, WorkerProcess

MAX_AGE = 3


class CeleryProcess(WorkerProcess):
    """`celery -A imgportal <args>` in its own process group. Beat gets no -S:
    the scheduler is the one imgportal/celery.py configures."""

    def __init__(self, env: dict[str, str], log, *args: str):
        super().__init__(env, log)
        self.args = args

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "imgportal", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


def _deep(client: Client) -> tuple[int, dict]:
    response = client.get("/healthz/deep")
    return response.status_code, response.json()


def _wait_for(client: Client, condition, timeout: float, what: str) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = _deep(client)
        if condition(status, body):
            return body
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}: {status} {body}")


@pytest.mark.django_db
def test_stopping_beat_then_the_worker_turns_the_deep_check_red(
    own_redis, tmp_path, settings
):
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "REDIS_URL": own_redis.url,
        "HEALTH_HEARTBEAT_SECONDS": "0.5",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    settings.REDIS_URL = own_redis.url
    settings.HEALTH_BEAT_MAX_AGE = MAX_AGE
    settings.HEALTH_WORKER_MAX_AGE = MAX_AGE
    client = Client()
    beat = CeleryProcess(env, tmp_path / "beat.log", "beat", "--loglevel", "INFO")
    worker = CeleryProcess(
        env,
        tmp_path / "worker.log",
        *("worker", "--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO"),
        *("--without-mingle", "--without-gossip"),
    )
    try:
        status, body = _deep(client)
        assert status == 503 and {"beat", "worker"} <= set(body["failing"])
        beat.start()
        worker.start()
        worker.wait_ready()
        body = _wait_for(client, lambda s, b: s == 200, 30, "green")
        assert body["beat_age_seconds"] < MAX_AGE

        # A task queued while a request runs: its lines in the worker's (JSON)
        # log carry its task id and that request's id.
        token = logs.current_request_id.set("fault-test-request-1")
        try:
            queued = celery_app.send_task("notifications.tasks.republish_emails_task")
        finally:
            logs.current_request_id.reset(token)

        os.killpg(beat.process.pid, signal.SIGKILL)
        stopped = time.monotonic()
        body = _wait_for(client, lambda s, b: s == 503, MAX_AGE + 10, "beat red")
        assert time.monotonic() - stopped > MAX_AGE - 1
        assert body["failing"] == ["beat"]  # the idle worker still reports
        assert body["beat_age_seconds"] >= MAX_AGE
        system = client_for(_site_admin()).get("/system/").content.decode()
        assert "Something needs attention: beat" in system

        worker.stop()
        body = _wait_for(
            client, lambda s, b: "worker" in b["failing"], MAX_AGE + 10, "worker red"
        )
        assert body["failing"] == ["beat", "worker"]
    finally:
        beat.kill()
        worker.kill()

    beat_lines = (tmp_path / "beat.log").read_text()
    assert "imgportal.heartbeats.HeartbeatScheduler" in beat_lines
    records = [
        json.loads(line)
        for line in (tmp_path / "worker.log").read_text().splitlines()
        if line.startswith("{")
    ]
    [finished] = [
        r
        for r in records
        if r["logger"] == "celery.app.trace" and queued.id in r["message"]
    ]
    assert finished["task_id"] == queued.id
    assert finished["task_name"] == "notifications.tasks.republish_emails_task"
    assert finished["request_id"] == "fault-test-request-1"


def _site_admin():
    from members.models import User
    from tests.factories import give_totp

    user = User.objects.create_superuser("root@example.org", "a-long-password-1")
    give_totp(user)
    return user
