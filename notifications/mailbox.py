"""The bounce mailbox: read delivery status notifications, count them, delete them.

BOUNCE_MAILBOX_URL names it: `imaps://user:password@host:993/INBOX` (IMAP over
TLS, the certificate checked), `pop3s://user:password@host:995`, or `imap://` and
`pop3://` without TLS, for a server on the same machine or a test. Percent-encode
an `@` or `:` in the user name or password (`bounces%40example.org`).

Only `multipart/report` messages are fetched whole (headers first, so a mailbox
full of spam costs one small fetch). A report is deleted only after its counts
are committed; the report's id stored with them makes one read twice count
nothing (a crash between the commit and the delete, two readers at once).
Anything else, an auto-reply, spam, a report that cannot be read, stays in the
mailbox as it was (IMAP: not even marked seen), for a person to look at.
"""

import imaplib
import logging
import poplib
import re
import ssl
from collections import Counter
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from notifications.bounces import NotAReport, bounce_report_record, parse_dsn

logger = logging.getLogger(__name__)

TIMEOUT = 60
# Bounded work per run (every 10 minutes): well inside the task's time limit.
MAX_REPORTS_PER_RUN = 500
FETCH_CHUNK = 200
DEFAULT_PORTS = {"imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995}

MailboxError = (OSError, imaplib.IMAP4.error, poplib.error_proto)


def bounces_read_mailbox(url: str, *, limit: int = MAX_REPORTS_PER_RUN) -> Counter:
    """Count every report waiting in the bounce mailbox once and delete it; returns
    how many were counted, already known, not ours, delayed, and left alone."""
    result: Counter = Counter()
    with open_mailbox(url) as mailbox:
        for key, raw in mailbox.reports(limit):
            try:
                report = parse_dsn(raw)
            except NotAReport as exc:
                logger.info("Bounce mailbox: left message %s alone (%s)", key, exc)
                result["left"] += 1
                continue
            row, created = bounce_report_record(report, source="mailbox")
            result[row.outcome if created else "known"] += 1
            mailbox.done(key)
    return result


def open_mailbox(url: str):
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or not parts.username:
        raise ImproperlyConfigured(
            "BOUNCE_MAILBOX_URL must look like imaps://user:password@host:993/INBOX "
            "(or imap://, pop3s://, pop3://)."
        )
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ImproperlyConfigured("BOUNCE_MAILBOX_URL has a bad port.") from exc
    arguments = {
        "host": parts.hostname,
        "port": port,
        "user": unquote(parts.username),
        "password": unquote(parts.password or ""),
        "tls": scheme.endswith("s"),
    }
    if scheme.startswith("imap"):
        return ImapMailbox(
            folder=unquote(parts.path.lstrip("/")) or "INBOX", **arguments
        )
    return Pop3Mailbox(**arguments)


def _might_be_a_report(headers: bytes) -> bool:
    return b"multipart/report" in headers.lower()


class ImapMailbox:
    """One IMAP folder. Done messages get \\Seen \\Deleted and are expunged (only
    those, with UIDPLUS) when the mailbox is closed."""

    def __init__(self, *, host, port, user, password, tls, folder):
        self.host, self.port, self.tls = host, port, tls
        self.user, self.password, self.folder = user, password, folder
        self.connection: imaplib.IMAP4 | None = None
        self.deleted: list[bytes] = []

    def __enter__(self) -> "ImapMailbox":
        if self.tls:
            self.connection = imaplib.IMAP4_SSL(
                self.host,
                self.port,
                ssl_context=ssl.create_default_context(),
                timeout=TIMEOUT,
            )
        else:
            self.connection = imaplib.IMAP4(self.host, self.port, timeout=TIMEOUT)
        try:
            self.connection.login(self.user, self.password)
            folder = '"' + self.folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
            status, data = self.connection.select(folder)
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot open the folder: {data!r}")
        except BaseException:
            self._logout()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.deleted:
                self._expunge()
        finally:
            self._logout()

    def reports(self, limit: int) -> Iterator[tuple[bytes, bytes]]:
        # ALL, not UNDELETED: a message flagged by a run that died before its
        # expunge is read again, found known, and flagged again.
        status, data = self.connection.uid("SEARCH", None, "ALL")
        uids = data[0].split() if status == "OK" and data and data[0] else []
        candidates = []
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = b",".join(uids[start : start + FETCH_CHUNK]).decode()
            status, data = self.connection.uid(
                "FETCH", chunk, "(BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE)])"
            )
            for uid, headers in self._fetched(data):
                if _might_be_a_report(headers):
                    candidates.append(uid)
        for uid in candidates[:limit]:
            status, data = self.connection.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            for fetched_uid, raw in self._fetched(data):
                if fetched_uid == uid:
                    yield uid, raw

    @staticmethod
    def _fetched(data) -> Iterator[tuple[bytes, bytes]]:
        for item in data or []:
            if isinstance(item, tuple) and len(item) == 2:
                found = re.search(rb"UID (\d+)", item[0])
                if found:
                    yield found.group(1), item[1]

    def done(self, uid: bytes) -> None:
        self.connection.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Seen \Deleted)")
        self.deleted.append(uid)

    def _expunge(self) -> None:
        if "UIDPLUS" in self.connection.capabilities:
            self.connection.uid("EXPUNGE", b",".join(self.deleted).decode())
        else:
            self.connection.expunge()

    def _logout(self) -> None:
        try:
            self.connection.logout()
        except MailboxError:
            pass


class Pop3Mailbox:
    """A POP3 mailbox: done messages are deleted, for good when the session ends
    with QUIT (a session that breaks off deletes nothing: read again, known)."""

    def __init__(self, *, host, port, user, password, tls):
        self.host, self.port, self.tls = host, port, tls
        self.user, self.password = user, password
        self.connection: poplib.POP3 | None = None

    def __enter__(self) -> "Pop3Mailbox":
        if self.tls:
            self.connection = poplib.POP3_SSL(
                self.host,
                self.port,
                context=ssl.create_default_context(),
                timeout=TIMEOUT,
            )
        else:
            self.connection = poplib.POP3(self.host, self.port, timeout=TIMEOUT)
        try:
            self.connection.user(self.user)
            self.connection.pass_(self.password)
        except BaseException:
            self._quit()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._quit()

    def reports(self, limit: int) -> Iterator[tuple[int, bytes]]:
        count, _size = self.connection.stat()
        yielded = 0
        for number in range(1, count + 1):
            if yielded >= limit:
                return
            try:
                _, head, _ = self.connection.top(number, 0)
            except poplib.error_proto:
                head = None  # TOP is optional (RFC 1939): fetch it whole
            if head is not None and not _might_be_a_report(b"\r\n".join(head)):
                continue
            _, lines, _ = self.connection.retr(number)
            yielded += 1
            yield number, b"\r\n".join(lines) + b"\r\n"

    def done(self, number: int) -> None:
        self.connection.dele(number)

    def _quit(self) -> None:
        try:
            self.connection.quit()
        except MailboxError:
            pass
