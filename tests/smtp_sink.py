"""A real SMTP server (aiosmtpd) on a spare loopback port, for tests and benchmarks.

It records every message it accepts; addresses listed in `refuse` get a
permanent 550, those in `defer` a temporary 451, and for those in `hang_up` it
keeps the message but closes the connection instead of answering."""

import email
import threading
from email.message import Message

from aiosmtpd.controller import Controller

from tests.servers import free_port


class Recorder:
    def __init__(self):
        # Raw bytes, parsed when read: parsing before answering DATA would slow the
        # server down (the newsletter benchmark measures the sender, not the sink).
        self.raw: list[bytes] = []
        self._parsed: list[Message] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.hang_up: set[str] = set()
        self.lock = threading.Lock()
        self._parse_lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if address in self.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.raw.append(envelope.content)
        if self.hang_up & set(envelope.rcpt_tos):
            server.transport.close()
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[Message]:
        """Every message accepted so far, parsed, as a new list.

        Two threads read this: the test's, and the server's own, because aiosmtpd
        looks through every attribute of its handler (inspect.getmembers, for
        auth_* methods) on each new connection. Two readers parsing the same new
        messages at once used to list some of them twice and never list as many
        others: the worker-kill drill counted recipients with two copies and as
        many with none while the server held exactly one for each."""
        with self._parse_lock:
            with self.lock:
                new = self.raw[len(self._parsed) :]
            self._parsed.extend(email.message_from_bytes(content) for content in new)
            return list(self._parsed)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


class SmtpSink:
    def __init__(self, recorder: Recorder | None = None):
        self.recorder = recorder or Recorder()
        self.port = free_port()
        self.controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port
        )

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        return self.recorder.messages


def main() -> None:
    """Run as its own process (the newsletter benchmark): serve until SIGTERM, then
    write, per subject, how many messages arrived, to how many distinct addresses,
    and the seconds from the first to the last, as JSON."""
    import argparse
    import json
    import signal
    import time

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--report", required=True)
    options = parser.parse_args()

    class Timed(Recorder):
        def __init__(self):
            super().__init__()
            self.times: list[float] = []

        async def handle_DATA(self, server, session, envelope):
            self.times.append(time.monotonic())
            return await super().handle_DATA(server, session, envelope)

    recorder = Timed()
    controller = Controller(recorder, hostname="127.0.0.1", port=options.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    runs: dict[str, dict] = {}
    for message, at in zip(recorder.messages, recorder.times, strict=True):
        run = runs.setdefault(
            str(message["Subject"]), {"addresses": [], "first": at, "last": at}
        )
        run["addresses"].append(message["To"])
        run["last"] = at
    with open(options.report, "w") as report:
        json.dump(
            {
                subject: {
                    "received": len(run["addresses"]),
                    "distinct": len(set(run["addresses"])),
                    "seconds": run["last"] - run["first"],
                }
                for subject, run in runs.items()
            },
            report,
        )


if __name__ == "__main__":
    main()
