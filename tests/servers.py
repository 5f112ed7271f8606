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


class OwnDovecot:
    """Debian's Dovecot (IMAP and POP3, no TLS) on two spare loopback ports, with
    one mailbox user, everything (config, sockets, state, log, Maildir) in a
    directory of its own: the machine's Dovecot, if any, is never touched.

    As root (CI) the server drops to Debian's `dovecot`/`dovenull` users and the
    mailbox belongs to `nobody`, since Dovecot refuses mail access as root; that
    directory is world-readable for them, so it is not pytest's 0700 tmp_path.
    As anyone else, everything runs as that user."""

    USER = "bounces"
    PASSWORD = "bounce-box-secret"

    def __init__(self) -> None:
        import tempfile

        self.dir = Path(tempfile.mkdtemp(prefix="imgportal-dovecot-"))
        self.dir.chmod(0o755)
        self.imap_port = free_port()
        self.pop3_port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, scheme: str = "imap") -> str:
        port = self.imap_port if scheme == "imap" else self.pop3_port
        return f"{scheme}://{self.USER}:{self.PASSWORD}@127.0.0.1:{port}/INBOX"

    def _config(self) -> str:
        import getpass
        import pwd

        if os.getuid() == 0:
            internal, login = "dovecot", "dovenull"
            owner = pwd.getpwnam("nobody")
        else:
            internal = login = getpass.getuser()
            owner = pwd.getpwuid(os.getuid())
        mail = self.dir / "mail"
        mail.mkdir()
        os.chown(mail, owner.pw_uid, owner.pw_gid)
        users = self.dir / "passwd"
        users.write_text(
            f"{self.USER}:{{PLAIN}}{self.PASSWORD}:{owner.pw_uid}:{owner.pw_gid}"
            f"::{mail}/{self.USER}\n"
        )
        users.chmod(0o644)
        return f"""
protocols = imap pop3
listen = 127.0.0.1
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {users}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"""

    def start(self) -> None:
        config = self.dir / "dovecot.conf"
        config.write_text(self._config())
        self.process = subprocess.Popen(
            ["/usr/sbin/dovecot", "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "stderr.log").open("wb"),
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.imap_port), 1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        log = self.dir / "dovecot.log"
        details = (self.dir / "stderr.log").read_text()
        if log.exists():
            details += log.read_text()
        self.stop()
        raise RuntimeError(f"dovecot did not start: {details}")

    def imap(self):
        """A signed-in IMAP connection to the mailbox (INBOX selected)."""
        import imaplib

        connection = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        connection.login(self.USER, self.PASSWORD)
        connection.select("INBOX")
        return connection

    def deliver(self, raw: bytes) -> None:
        """Put a message in the INBOX, as the mail server would (IMAP APPEND)."""
        connection = self.imap()
        try:
            status, data = connection.append("INBOX", None, None, raw)
            assert status == "OK", data
        finally:
            connection.logout()

    def messages(self) -> list[tuple[bytes, bytes]]:
        """(flags, raw message) of every message in the INBOX, not marking any."""
        connection = self.imap()
        try:
            _, data = connection.uid("SEARCH", None, "ALL")
            found = []
            for uid in data[0].split():
                _, parts = connection.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                for item in parts:
                    if isinstance(item, tuple):
                        found.append((item[0], item[1]))
            return found
        finally:
            connection.logout()

    def stop(self) -> None:
        import shutil

        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)
