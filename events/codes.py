"""A member's personal check-in code: the RSVP's number and a six-character
signature, e.g. "4821-K7MP2Q", shown on the event page and in the RSVP
confirmation email (as text and as a QR code), read by the organiser's phone
or typed. Only the server can make one (SECRET_KEY signs it)."""

import re

from django.utils.crypto import salted_hmac

from events.models import Rsvp

# No 0/O, 1/I/L: a code read aloud or typed from a phone screen survives.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PERSONAL_CODE = re.compile(r"(\d{1,10})-?([A-Z0-9]{6})")


def signature(rsvp_id: int, event_id: int, member_id: int) -> str:
    digest = salted_hmac(
        "events.checkin.personal", f"{rsvp_id}.{event_id}.{member_id}"
    ).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:6])


def personal_code(rsvp: Rsvp) -> str:
    return f"{rsvp.pk}-{signature(rsvp.pk, rsvp.event_id, rsvp.member_id)}"
