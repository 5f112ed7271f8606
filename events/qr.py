"""QR codes for personal check-in codes (segno: pure Python, no Pillow)."""

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_code(text: str) -> segno.QRCode:
    """A full QR code (never a Micro QR, which segno picks for short text and
    which phone cameras and jsQR don't read), error correction M."""
    return segno.make_qr(text, error="m")


def qr_svg(text: str, *, title: str) -> SafeString:
    """An inline SVG (no script, no style attribute: CSP-safe) with a title
    screen readers read out; dark modules on the light box the CSS draws."""
    svg = qr_code(text).svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title=title, svgclass="qr-code"
    )
    # segno writes the markup and escapes the title itself.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    qr_code(text).save(out, kind="png", scale=8, border=4)
    return out.getvalue()
