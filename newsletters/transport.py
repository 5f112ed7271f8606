"""The SMTP side of newsletter delivery: one connection per batch, MIME built once
with per-recipient placeholders, and the DATA phase split so the row is recorded
sent before the final "." (see newsletters.services for the protocol)."""

import re
import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

from imgportal.email_layout import email_render
from imgportal.identity import group_identity, site_domain
from imgportal.markdown import without_images
from newsletters.models import Delivery, Newsletter
from notifications.rendering import footer_for
from notifications.unsubscribe import (
    unsubscribe_token,
    unsubscribe_url,
    unsubscribe_url_prefix,
)

UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.invalid/placeholder"


def _message(newsletter, *, to, member_id, url, text, html, connection):
    """One recipient's message; `url` is their signed unsubscribe link, used in the
    body and in the RFC 8058 headers."""
    text, html = personalise(text, html, url=url)
    message = EmailMultiAlternatives(
        subject=newsletter.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
        headers={
            # Deterministic, so a receiving system can recognise a duplicate.
            "Message-ID": f"<nl-{newsletter.pk}-{member_id}@{site_domain()}>",
            "List-Id": f"{group_identity().short_name} "
            f"{newsletter.category.replace('_', ' ')} "
            f"<{newsletter.category.replace('_', '-')}.{site_domain()}>",
            "Precedence": "bulk",
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


class BatchSender:
    """Sends one newsletter to the recipients of one batch over one connection.

    Python's email generator costs about a millisecond a message, more than the
    SMTP exchange with a nearby server, so the MIME bytes are built once per batch
    with placeholders for what differs per recipient (address, Message-ID,
    unsubscribe link) and those are substituted per message. Whatever the
    placeholders cannot carry exactly (a non-ASCII address, a body that needed
    quoted-printable, a backend that is not SMTP) takes the ordinary path."""

    TO = "recipient@placeholder.invalid"
    MEMBER = "XMEMBERIDX"

    def __init__(self, newsletter, smtp):
        self.newsletter = newsletter
        self.smtp = smtp
        self.text, self.html = render_bodies(newsletter)
        self.prefix = unsubscribe_url_prefix()
        # The envelope sender (MAIL FROM): where a later bounce (a DSN) goes.
        self.from_address = sanitize_address(
            settings.BOUNCE_ADDRESS or settings.DEFAULT_FROM_EMAIL, "utf-8"
        )
        self.template = self._template()

    def _template(self) -> bytes | None:
        if not isinstance(self.smtp, SmtpBackend):
            return None
        data = (
            self._build(self.TO, self.MEMBER, UNSUBSCRIBE_PLACEHOLDER)
            .message()
            .as_bytes(linesep="\r\n")
        )
        exact = (
            data.count(self.TO.encode()) == 1
            and data.count(self.MEMBER.encode()) == 1
            and data.count(UNSUBSCRIBE_PLACEHOLDER.encode()) == 3
            and b"quoted-printable" not in data
            and b"Content-Transfer-Encoding: base64" not in data
        )
        return data if exact else None

    def _build(self, to: str, member_id, url: str) -> EmailMultiAlternatives:
        return _message(
            self.newsletter,
            to=to,
            member_id=member_id,
            url=url,
            text=self.text,
            html=self.html,
            connection=self.smtp,
        )

    def send(self, delivery: Delivery, hand_over) -> None:
        """Send one recipient's message; `hand_over()` records it as sent and is
        called at the last moment before the server takes it (see `smtp_send`)."""
        token = unsubscribe_token(delivery.member_id, self.newsletter.category)
        url = f"{self.prefix}{token}/"
        if not isinstance(self.smtp, SmtpBackend):
            # A backend that is not SMTP (files, memory) has no "." to wait for.
            if not hand_over():
                raise ClaimLost
            self.smtp.send_messages(
                [self._build(delivery.email, delivery.member_id, url)]
            )
            return
        if self.template is not None and delivery.email.isascii():
            to = delivery.email
            data = (
                self.template.replace(self.TO.encode(), to.encode())
                .replace(self.MEMBER.encode(), str(delivery.member_id).encode())
                .replace(UNSUBSCRIBE_PLACEHOLDER.encode(), url.encode())
            )
        else:
            message = self._build(delivery.email, delivery.member_id, url)
            encoding = message.encoding or settings.DEFAULT_CHARSET
            to = sanitize_address(delivery.email, encoding)
            data = message.message().as_bytes(linesep="\r\n")
        smtp_send(self.smtp.connection, self.from_address, to, data, hand_over)


class ClaimLost(Exception):
    """The row is no longer this batch's: a resume gave it to another worker."""


class ReplyLost(Exception):
    """The message was handed to the server but its answer never came."""


def smtp_send(smtp: smtplib.SMTP, sender: str, to: str, data: bytes, hand_over):
    """smtplib's sendmail for one recipient, with the point of no return made
    durable first. The server takes responsibility for a message when it reads
    the final "." after the body; a connection dropped before that makes it
    discard the message. So the body goes out, then `hand_over(write_dot)`
    records the row as sent and writes the "." as that record is committed (see
    newsletters.services._hand_over). If `hand_over()` finds the row is no longer
    ours, the connection is dropped without the "."."""
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(to)
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(code, reply)
    if smtp.sock is not None:
        # The body and the "." are two writes with a commit between them; without
        # this, Nagle's algorithm holds the "." until the server's delayed ACK
        # (40 ms a message: 22 messages/s instead of 300 and more).
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = re.sub(rb"(?m)^\.", b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body)
    if not hand_over(lambda: smtp.send(b".\r\n")):
        smtp.close()
        raise ClaimLost
    try:
        code, reply = smtp.getreply()
    except (smtplib.SMTPException, OSError) as exc:
        raise ReplyLost(repr(exc)) from exc
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def refusal(exc: smtplib.SMTPException) -> tuple[int | None, str]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        return code, f"{code} {text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else error
        return exc.smtp_code, f"{exc.smtp_code} {text}"
    return None, repr(exc)


def render_bodies(newsletter: Newsletter) -> tuple[str, str]:
    """The text and HTML parts, in the group's email layout, with a placeholder
    where each recipient's unsubscribe link goes (once in each part)."""
    footer = footer_for(
        member_id=None,
        category=newsletter.category,
        unsubscribe=UNSUBSCRIBE_PLACEHOLDER,
    )
    context = {
        "newsletter": newsletter,
        "body_html": without_images(newsletter.body_html),
    }
    rendered = email_render("newsletters/email/newsletter", context, footer=footer)
    return rendered.text, rendered.html


def personalise(text: str, html: str, *, url: str) -> tuple[str, str]:
    """Both parts with one recipient's unsubscribe link in place."""
    return (
        text.replace(UNSUBSCRIBE_PLACEHOLDER, url),
        html.replace(UNSUBSCRIBE_PLACEHOLDER, url),
    )


def render_for(newsletter: Newsletter, *, member_id: int | None) -> tuple[str, str]:
    """What one member gets (the preview's "as email"): the same parts the
    batch sends, with their own unsubscribe link."""
    text, html = render_bodies(newsletter)
    if member_id is None:  # an account with no member profile gets no newsletter
        return text, html
    return personalise(text, html, url=unsubscribe_url(member_id, newsletter.category))
