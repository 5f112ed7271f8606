"""Bounces that come back later, as delivery status notifications (RFC 3464) in a
real mailbox: Debian's Dovecot, started by the test on spare loopback ports."""

import os
import subprocess
import sys
from datetime import timedelta
from email.utils import make_msgid, parseaddr

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from newsletters import services as newsletter_services
from newsletters.models import Delivery, Newsletter
from notifications import preferences
from notifications.mailbox import bounces_read_mailbox
from notifications.models import (
    Bounce,
    BounceReport,
    EmailPreferences,
    OutboundEmail,
)
from notifications.outbox import email_deliver, email_queue
from notifications.tasks import process_bounces_task
from tests.conftest import client_for, page_text
from tests.servers import ROOT, OwnDovecot, free_port
from tests.smtp_sink import Recorder, SmtpSink

pytestmark = pytest.mark.django_db


# --- Real RFC 3464 reports, written out by hand ------------------------------------


def dsn(
    recipient: str,
    *,
    status: str = "5.1.1",
    action: str = "failed",
    original_message_id: str | None = None,
    report_id: str | None = None,
    diagnostic: str = "smtp; 550 5.1.1 <{r}>: Recipient address rejected: User unknown",
    original_as: str = "text/rfc822-headers",
) -> bytes:
    """A delivery status notification as Postfix writes one: a human part, the
    machine-readable message/delivery-status, and the original's headers."""
    report_id = report_id or make_msgid(domain="mx.example.net")
    original_headers = (
        "From: IMG Portal <no-reply@imgportal.localhost>\r\n"
        f"To: {recipient}\r\n"
        "Subject: Welcome to July\r\n"
        + (f"Message-ID: {original_message_id}\r\n" if original_message_id else "")
        + "Date: Thu, 3 Dec 2026 09:59:00 +0000\r\n"
    )
    original_part = (
        f"Content-Type: {original_as}\r\n\r\n{original_headers}"
        if original_as == "text/rfc822-headers"
        else f"Content-Type: message/rfc822\r\n\r\n{original_headers}\r\nHello.\r\n"
    )
    return (
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
        "To: bounces@imgportal.localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {report_id}\r\n"
        "Date: Thu, 3 Dec 2026 10:00:00 +0000\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        '\tboundary="=_report_boundary"\r\n'
        "\r\n"
        "This is a MIME-encapsulated message.\r\n"
        "\r\n"
        "--=_report_boundary\r\n"
        "Content-Description: Notification\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n"
        "\r\n"
        "--=_report_boundary\r\n"
        "Content-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n"
        "X-Postfix-Queue-ID: 4QmX1x2Yz3\r\n"
        "Arrival-Date: Thu, 3 Dec 2026 09:59:30 +0000\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: dns; inbound.example.org\r\n"
        f"Diagnostic-Code: {diagnostic.format(r=recipient)}\r\n"
        "\r\n"
        "--=_report_boundary\r\n"
        "Content-Description: Undelivered Message Headers\r\n"
        f"{original_part}"
        "\r\n"
        "--=_report_boundary--\r\n"
    ).encode()


AUTO_REPLY = (
    b"From: Dr. Away <away@example.org>\r\n"
    b"To: bounces@imgportal.localhost\r\n"
    b"Subject: Out of office: Welcome to July\r\n"
    b"Message-ID: <ooo-1@example.org>\r\n"
    b"Auto-Submitted: auto-replied\r\n"
    b"Content-Type: text/plain\r\n\r\n"
    b"I am on nights until Monday. 550 5.1.1 is not a bounce, just words.\r\n"
)

# multipart/report, delivery-status, but the status part is not there at all, and
# a second one whose MIME structure breaks off in the middle.
MALFORMED = [
    b"From: MAILER-DAEMON@mx.example.net\r\n"
    b"Message-ID: <broken-1@mx.example.net>\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
    b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nYour mail failed.\r\n--b--\r\n",
    b"From: MAILER-DAEMON@mx.example.net\r\n"
    b"Message-ID: <broken-2@mx.example.net>\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
    b"\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: x400; \x00\xff\r\n"
    b"Action: \r\nStatus: five\r\n",
]


# --- The mailbox ------------------------------------------------------------------


@pytest.fixture(scope="module")
def dovecot():
    server = OwnDovecot()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mailbox(dovecot):
    """An empty INBOX for each test."""
    connection = dovecot.imap()
    connection.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
    connection.expunge()
    connection.logout()
    return dovecot


def read(mailbox, scheme="imap"):
    return bounces_read_mailbox(mailbox.url(scheme))


def subjects(mailbox) -> list[str]:
    import email

    return [
        str(email.message_from_bytes(raw)["Subject"]) for _, raw in mailbox.messages()
    ]


def prefs(member) -> EmailPreferences:
    return EmailPreferences.objects.get(member=member)


class EnvelopeRecorder(Recorder):
    def __init__(self):
        super().__init__()
        self.senders: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.senders.append(envelope.mail_from)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(settings):
    with SmtpSink(EnvelopeRecorder()) as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        yield sink


def sent_email(member, smtp) -> OutboundEmail:
    """A real email from the outbox to the member, through the SMTP server."""
    row = email_queue(
        key=f"bounce-test:{member.pk}:{make_msgid()}",
        to=member.user.email,
        subject="Your RSVP",
        body_text="See you there.",
        member=member,
        category="event_reminders",
    )
    email_deliver(email_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
    return row


# --- Hard, soft, delayed ----------------------------------------------------------


def test_a_hard_bounce_for_an_email_the_outbox_sent_counts_once_and_marks_it(
    mailbox, resident, smtp
):
    """A 5.1.1 report quoting the outbox email's Message-ID: one hard bounce for
    that member, the email shown as bounced with the server's answer, the report
    gone from the mailbox."""
    email_row = sent_email(resident, smtp)
    assert email_row.message_id == smtp.messages[-1]["Message-ID"]
    mailbox.deliver(dsn(resident.user.email, original_message_id=email_row.message_id))

    result = read(mailbox)

    assert result["counted"] == 1
    assert prefs(resident).hard_bounces == 1
    assert prefs(resident).suspended_at is None
    email_row.refresh_from_db()
    assert email_row.status == OutboundEmail.Status.BOUNCED
    assert "5.1.1" in email_row.last_error and "User unknown" in email_row.last_error
    bounce = Bounce.objects.get(member=resident)
    assert (bounce.kind, bounce.status, bounce.matched_by) == (
        "hard",
        "5.1.1",
        "message",
    )
    assert mailbox.messages() == []


def test_the_original_message_decides_the_member_over_the_address(
    mailbox, resident, smtp
):
    """The report's recipient is a forwarding target nobody knows, but the quoted
    Message-ID is the member's email: it counts for that member."""
    email_row = sent_email(resident, smtp)
    mailbox.deliver(
        dsn("forwarded.somewhere@example.net", original_message_id=email_row.message_id)
    )
    read(mailbox)
    assert prefs(resident).hard_bounces == 1


def test_a_report_without_our_message_counts_by_the_recipients_address(
    mailbox, resident
):
    """Some relays return only the status part (no headers): the address of the
    member's account is enough, whatever its case."""
    mailbox.deliver(dsn(resident.user.email.upper(), original_message_id=None))
    read(mailbox)
    assert Bounce.objects.get(member=resident).matched_by == "address"
    assert prefs(resident).hard_bounces == 1


def test_three_hard_bounces_suspend_the_members_mail(mailbox, resident, co_lead):
    """The existing rule: after three, no more bulk mail until they confirm."""
    for _ in range(3):
        mailbox.deliver(dsn(resident.user.email))
    result = read(mailbox)
    assert result["counted"] == 3
    assert prefs(resident).hard_bounces == 3
    assert prefs(resident).suspended_at is not None
    assert not preferences.member_wants(member_id=resident.pk, category="newsletter")
    page = page_text(client_for(resident).get(reverse("notifications:preferences")))
    assert "refused several times" in page


def test_a_soft_bounce_is_counted_and_does_not_suspend_at_once(mailbox, resident):
    """4.2.2 (mailbox full): a soft bounce; three within 30 days are one hard
    bounce; the member's mail is not suspended."""
    mailbox.deliver(
        dsn(
            resident.user.email,
            status="4.2.2",
            diagnostic="smtp; 452 4.2.2 <{r}>: Mailbox full",
        )
    )
    read(mailbox)
    assert (prefs(resident).soft_bounces, prefs(resident).hard_bounces) == (1, 0)
    assert prefs(resident).suspended_at is None
    assert Bounce.objects.get(member=resident).kind == "soft"
    for _ in range(2):
        mailbox.deliver(dsn(resident.user.email, status="4.2.2"))
    read(mailbox)
    assert (prefs(resident).soft_bounces, prefs(resident).hard_bounces) == (0, 1)
    assert prefs(resident).suspended_at is None


def test_soft_bounces_far_apart_do_not_add_up(resident):
    """A mailbox full once a season is not dead: a soft bounce more than 30 days
    after the first of a run starts a new run."""
    preferences.record_soft_bounce(member_id=resident.pk)
    preferences.record_soft_bounce(member_id=resident.pk)
    EmailPreferences.objects.filter(member=resident).update(
        soft_bounces_since=timezone.now() - timedelta(days=31)
    )
    preferences.record_soft_bounce(member_id=resident.pk)
    assert (prefs(resident).soft_bounces, prefs(resident).hard_bounces) == (1, 0)
    preferences.mail_resume(member=resident)
    assert prefs(resident).soft_bounces == 0


def test_a_delay_notice_counts_nothing_but_is_taken_out_of_the_mailbox(
    mailbox, resident
):
    """Action: delayed means the relay is still trying; a "failed" report follows
    if it gives up, and only that one counts."""
    mailbox.deliver(dsn(resident.user.email, status="4.4.1", action="delayed"))
    result = read(mailbox)
    assert result["delayed"] == 1
    assert not EmailPreferences.objects.filter(member=resident).exists()
    assert mailbox.messages() == []


# --- Once, and nothing else touched -----------------------------------------------


def test_reading_twice_counts_once_even_if_the_delete_was_lost(mailbox, resident):
    """A second run finds nothing; and the same report found again (a crash after
    the counts were committed, before the mailbox deleted it) counts nothing."""
    report = dsn(resident.user.email, report_id="<once-1@mx.example.net>")
    mailbox.deliver(report)
    assert read(mailbox)["counted"] == 1
    assert read(mailbox) == {}
    mailbox.deliver(report)
    assert read(mailbox)["known"] == 1
    assert prefs(resident).hard_bounces == 1
    assert BounceReport.objects.filter(report_id__contains="once-1").count() == 1
    assert mailbox.messages() == []


def test_other_mail_is_left_alone_unread_and_does_not_stop_the_reader(
    mailbox, resident
):
    """An auto-reply and spam stay in the mailbox, not even marked seen; the report
    after them is still counted."""
    mailbox.deliver(AUTO_REPLY)
    mailbox.deliver(b"From: spam@example.com\r\nSubject: Cheap pills\r\n\r\nBuy.\r\n")
    mailbox.deliver(dsn(resident.user.email))
    result = read(mailbox)
    assert (result["counted"], result["left"]) == (1, 0)
    left = mailbox.messages()
    assert sorted(subjects(mailbox)) == [
        "Cheap pills",
        "Out of office: Welcome to July",
    ]
    assert all(b"\\Seen" not in flags for flags, _ in left)
    assert prefs(resident).hard_bounces == 1
    assert read(mailbox) == {}  # not even fetched whole again


def test_malformed_reports_are_left_for_a_person_and_do_not_crash(mailbox, resident):
    for raw in MALFORMED:
        mailbox.deliver(raw)
    mailbox.deliver(dsn(resident.user.email))
    result = read(mailbox)
    assert (result["counted"], result["left"]) == (1, 2)
    assert len(mailbox.messages()) == 2
    assert BounceReport.objects.count() == 1


def test_a_report_for_an_unknown_address_is_ignored_cleanly(mailbox, resident):
    """Backscatter, or a member since erased: nobody's counts change, the report
    is recorded as for nobody and deleted."""
    mailbox.deliver(dsn("stranger@example.net"))
    mailbox.deliver(
        dsn("other@example.net", original_message_id="<not-ours@x.example>")
    )
    result = read(mailbox)
    assert result["not_ours"] == 2
    assert not EmailPreferences.objects.exists()
    assert not Bounce.objects.exists()
    assert mailbox.messages() == []


# --- Newsletters ------------------------------------------------------------------


def test_a_bounced_newsletter_copy_shows_on_the_senders_progress_page(
    mailbox, co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    newsletter = newsletter_services.newsletter_save(
        newsletter=Newsletter(subject="Welcome to July", body="Hello"), by=co_lead.user
    )
    with django_capture_on_commit_callbacks(execute=True):
        newsletter_services.newsletter_send_now(newsletter=newsletter, by=co_lead.user)
    copy = smtp.recorder.to(resident.user.email)[0]
    mailbox.deliver(
        dsn(
            resident.user.email,
            original_message_id=copy["Message-ID"],
            original_as="message/rfc822",
        )
    )
    read(mailbox)
    delivery = Delivery.objects.get(newsletter=newsletter, member=resident)
    assert delivery.status == Delivery.Status.BOUNCED
    assert "5.1.1" in delivery.error
    assert Bounce.objects.get(member=resident).matched_by == "message"
    assert prefs(resident).hard_bounces == 1
    page = page_text(
        client_for(co_lead).get(
            reverse("newsletters:manage_detail", args=[newsletter.pk])
        )
    )
    assert "Bounced after sending: 1" in page
    assert "bounced after sending" in page and "User unknown" in page


# --- POP3, the task, the command, the envelope sender ------------------------------


def test_a_pop3_mailbox_works_the_same(mailbox, resident):
    mailbox.deliver(AUTO_REPLY)
    mailbox.deliver(dsn(resident.user.email))
    result = read(mailbox, scheme="pop3")
    assert (result["counted"], prefs(resident).hard_bounces) == (1, 1)
    assert subjects(mailbox) == ["Out of office: Welcome to July"]
    assert read(mailbox, scheme="pop3") == {}


def test_the_task_reads_the_configured_mailbox_and_survives_it_being_down(
    mailbox, resident, settings, caplog
):
    settings.BOUNCE_MAILBOX_URL = ""
    assert process_bounces_task.delay().get() == {}
    mailbox.deliver(dsn(resident.user.email))
    settings.BOUNCE_MAILBOX_URL = mailbox.url()
    assert process_bounces_task.delay().get() == {"counted": 1}
    settings.BOUNCE_MAILBOX_URL = f"imap://u:p@127.0.0.1:{free_port()}/INBOX"
    assert process_bounces_task.delay().get() == {}
    assert "Bounce mailbox unreachable" in caplog.text


def test_the_operators_command(mailbox, resident, settings, capsys):
    settings.BOUNCE_MAILBOX_URL = ""
    with pytest.raises(CommandError, match="BOUNCE_MAILBOX_URL"):
        call_command("process_bounces")
    mailbox.deliver(dsn(resident.user.email))
    mailbox.deliver(AUTO_REPLY)
    call_command("process_bounces", url=mailbox.url())
    out = capsys.readouterr().out
    assert "Bounce reports counted: 1" in out and "read before: 0" in out
    with pytest.raises(CommandError, match="Could not read"):
        call_command("process_bounces", url=mailbox.url().replace("bounce-box", "x"))


def test_beat_reads_the_mailbox_every_ten_minutes_only_when_one_is_set():
    from imgportal.celery import app

    assert "process-bounces" not in app.conf.beat_schedule
    code = (
        "from imgportal.celery import app; "
        "e = app.conf.beat_schedule['process-bounces']; print(e['task'], e['schedule'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "BOUNCE_MAILBOX_URL": "imaps://u:p@mail.example:993/INBOX"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["notifications.tasks.process_bounces_task", "600.0"]


def test_bounce_address_is_the_envelope_sender_and_from_stays(
    settings, smtp, resident, co_lead, django_capture_on_commit_callbacks
):
    """With BOUNCE_ADDRESS set, both the outbox and newsletters send MAIL FROM it
    (the Return-Path bounces go to); readers still see DEFAULT_FROM_EMAIL."""
    settings.BOUNCE_ADDRESS = "bounces@imgportal.localhost"
    sent_email(resident, smtp)
    newsletter = newsletter_services.newsletter_save(
        newsletter=Newsletter(subject="News", body="Hello"), by=co_lead.user
    )
    with django_capture_on_commit_callbacks(execute=True):
        newsletter_services.newsletter_send_now(newsletter=newsletter, by=co_lead.user)
    assert len(smtp.recorder.senders) >= 3
    assert set(smtp.recorder.senders) == {"bounces@imgportal.localhost"}
    assert {m["From"] for m in smtp.messages} == {settings.DEFAULT_FROM_EMAIL}
    assert all(m["Return-Path"] is None for m in smtp.messages)


def test_without_bounce_address_the_envelope_sender_is_the_from_address(smtp, resident):
    sent_email(resident, smtp)
    assert smtp.recorder.senders == [parseaddr(settings.DEFAULT_FROM_EMAIL)[1]]
