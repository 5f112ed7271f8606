"""The test SMTP server counts what it received correctly: the worker-kill drill
and the newsletter tests judge exactly-once delivery by it."""

import email
import inspect
import threading

from tests.smtp_sink import Recorder


def _raw(number: int) -> bytes:
    return (
        f"Message-ID: <m{number}@example.test>\r\n"
        f"To: to{number}@example.test\r\nSubject: s\r\n\r\nHello\r\n"
    ).encode()


def test_two_readers_at_once_list_each_message_once(monkeypatch):
    # aiosmtpd calls inspect.getmembers(handler) on every new connection, which
    # reads `messages` from the server's thread while the test may be reading it.
    recorder = Recorder()
    recorder.raw.extend(_raw(n) for n in range(10))
    parse = email.message_from_bytes
    server_thread = threading.Thread(target=inspect.getmembers, args=(recorder,))

    def parse_while_the_server_reads(content):
        if not server_thread.is_alive() and server_thread.ident is None:
            server_thread.start()
            server_thread.join(timeout=1)
        return parse(content)

    monkeypatch.setattr(email, "message_from_bytes", parse_while_the_server_reads)
    first = recorder.messages
    server_thread.join(timeout=5)
    assert [m["Message-ID"] for m in first] == [
        f"<m{n}@example.test>" for n in range(10)
    ]
    assert [m["To"] for m in recorder.messages] == [
        f"to{n}@example.test" for n in range(10)
    ]
