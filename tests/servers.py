"""Servers a test starts for itself on spare loopback ports, and stops: never the
machine's shared PostgreSQL or Redis."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.dir = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"],
                capture_output=True,
                text=True,
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queued(self) -> int:
        out = subprocess.run(
            ["redis-cli", "-p", str(self.port), "llen", "celery"],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout)


def use_broker(url: str) -> None:
    """Point Celery's publishing at `url`, dropping connections to the old one."""
    from kombu import pools

    from imgportal.celery import app as celery_app

    celery_app.conf.broker_url = url
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class WorkerProcess:
    """`celery worker` as its own process group (prefork: a parent and one child),
    as it runs in production, so that a test can kill all of it at once."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "imgportal",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "1",
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 30) -> None:
        from imgportal.celery import app as celery_app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if celery_app.control.ping(timeout=0.5):
                return
        raise RuntimeError(f"the worker did not answer; see {self.log}")

    def kill(self) -> None:
        """SIGKILL to the parent and its pool child: nothing runs any clean-up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
