"""What an uploaded file really is, judged from its bytes (never its name or the
browser's word), and the clean copy the portal keeps.

Images (PNG, JPEG, WebP or GIF, as Pillow reads them) are turned upright by
their EXIF orientation, shrunk to at most MAX_SIDE pixels a side and re-encoded
as PNG (when they have transparency or were PNG or GIF) or JPEG: the copy holds
pixels only, so no EXIF (GPS position, camera serial), no comment and nothing
appended after the image survives. SVG is refused: it is a document that can
carry script. PDFs are kept byte for byte when they start with `%PDF-` and end
with `%%EOF`; they are only ever served as downloads."""

import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 2000
# Refuse before decoding: a 1 MB PNG can decode to gigabytes (a "decompression bomb").
MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
JPEG_QUALITY = 85


@dataclass(frozen=True)
class CleanFile:
    kind: str  # "image" or "pdf", as Attachment.Kind
    content: bytes
    content_type: str
    width: int | None = None
    height: int | None = None


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"


def clean_upload(data: bytes) -> CleanFile:
    """The file to store, or ValidationError saying what is wrong with it."""
    if not data:
        raise ValidationError("The file is empty.")
    if data.startswith(b"%PDF-"):
        return _clean_pdf(data)
    return _clean_image(data)


def _clean_pdf(data: bytes) -> CleanFile:
    if len(data) > settings.HANDBOOK_PDF_MAX_BYTES:
        raise ValidationError(
            f"PDFs can be up to {_megabytes(settings.HANDBOOK_PDF_MAX_BYTES)}; "
            f"this one is {_megabytes(len(data))}."
        )
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(
            "This PDF is cut short (it has no end). Save or export it again."
        )
    return CleanFile(kind="pdf", content=data, content_type="application/pdf")


def _clean_image(data: bytes) -> CleanFile:
    if len(data) > settings.HANDBOOK_IMAGE_MAX_BYTES:
        raise ValidationError(
            f"Images can be up to {_megabytes(settings.HANDBOOK_IMAGE_MAX_BYTES)}; "
            f"this one is {_megabytes(len(data))}. Save it smaller and try again."
        )
    refused = ValidationError(
        "Upload a PNG, JPEG, WebP or GIF image, or a PDF. This file is none of "
        "those (SVG and other drawings are not accepted)."
    )
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in IMAGE_FORMATS:
            raise refused
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValidationError(
                f"This image is {width} by {height} pixels: too large to handle. "
                f"Shrink it below {MAX_SIDE} pixels a side first."
            )
        fmt = image.format
        image.load()
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        return _encode(image, fmt)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise refused from None
    except (OSError, ValueError, SyntaxError, EOFError):
        # Pillow's words for a truncated or corrupt file.
        raise ValidationError(
            "This image is damaged or cut short. Save it again and retry."
        ) from None


def _encode(image: Image.Image, fmt: str) -> CleanFile:
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    out = io.BytesIO()
    if transparent or fmt in ("PNG", "GIF"):
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if transparent else "RGB")
        # A fresh image: no text chunks, ICC profile or EXIF carried over.
        clean = Image.new(image.mode, image.size)
        clean.paste(image)
        clean.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        clean = image.convert("RGB")
        clean = Image.frombytes("RGB", clean.size, clean.tobytes())
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return CleanFile(
        kind="image",
        content=out.getvalue(),
        content_type=content_type,
        width=clean.width,
        height=clean.height,
    )


def clean_name(name: str) -> str:
    """The uploader's file name for showing and for downloads: no folders, no
    control characters or quotes, at most 150 characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = re.sub(r'[\x00-\x1f\x7f"<>]', "", name).strip() or "file"
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot and len(ext) < 10 else name[:150]
    return name
