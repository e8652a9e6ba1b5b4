"""Need photos: checked with Pillow (a real image, not too many pixels),
re-encoded without metadata, stored under a random name, served safely.

No upload may cost a web worker more than a second of CPU or 100 MB of memory, however it
is built. What an image costs to decode follows from what its header declares, so that is
read first (Pillow's Image.open reads only the header, and only the JPEG, PNG and WebP
decoders are ever tried) and the image is refused before any pixel is decoded when:
- it declares more pixels than its format's cap (MAX_PIXELS). A JPEG decodes already
  scaled down to the size it is stored at (libjpeg's DCT scaling), so a 12-megapixel
  phone photo fits; a PNG or WebP decodes whole (a PNG with transparency twice over,
  while it is resampled; a WebP three times over, inside libwebp), so their caps are lower;
- it is a progressive JPEG whose coefficients (held whole while it decodes, whatever the
  scale) would take more than MAX_JPEG_COEFFICIENT_BYTES;
- it is a JPEG with more than MAX_JPEG_SCANS scans: every scan goes over every block
  again, so a 64 KB file of 883 scans costs seconds of CPU whatever its size;
- its structure would keep Pillow's Python code busy: a PNG of more than MAX_PNG_CHUNKS
  chunks (400,000 empty ones fit in 5 MB, and cost 2 s to open), or a JPEG with more than
  MAX_JPEG_MARKERS markers, MAX_JPEG_HEADER_BYTES of them or MAX_JPEG_FILL_BYTES of
  padding before its first scan (Pillow reads those one by one).
The worst images under these limits are built and measured in
tests/needs/test_photo_limits.py.

Uploads are also limited per person (UPLOADS_PER_USER), so nobody can keep the web
workers busy by uploading again and again."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets

from flask import current_app, request
from flask_login import current_user
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from models import DomainError

MAX_PIXELS = {
    "JPEG": 12_500_000,  # 4032 × 3024, a 12-megapixel phone photo, fits
    "PNG": 6_000_000,  # 3000 × 2000
    "WEBP": 3_000_000,  # 2000 × 1500
}
MAX_JPEG_COEFFICIENT_BYTES = 40 * 1024 * 1024  # a 12-megapixel progressive photo needs 37 MB
MAX_JPEG_SCANS = 64  # libjpeg's own progressive JPEGs have 10 (colour) or 24 (CMYK)
MAX_JPEG_MARKERS = 256  # before the first scan: a camera's JPEG has a dozen or two
MAX_JPEG_HEADER_BYTES = 1024 * 1024  # EXIF, XMP and an ICC profile, before the first scan
MAX_JPEG_FILL_BYTES = 1024
MAX_PNG_CHUNKS = 4096  # a 5 MB PNG in 8 KB chunks has 640
MAX_SIDE = 2000
MAX_PHOTO_BYTES = 5 * 1024 * 1024  # as the forms say (their FileSize checks it first)
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
FORMAT_NAMES = {"JPEG": "a JPEG", "PNG": "a PNG", "WEBP": "a WebP image"}
UPLOADS_PER_USER = "10 per minute;60 per hour"

# A PNG's text chunks are inflated when it is opened (up to 64 MB of them, by default), and
# dropped when it is re-encoded: allow a few MB.
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024

log = logging.getLogger(__name__)


def photo_dir() -> str:
    folder = os.path.join(current_app.config["UPLOAD_DIR"], "photos")
    os.makedirs(folder, exist_ok=True)
    return folder


def jpeg_scans(data: bytes) -> int:
    """How many scans a JPEG has, at most: each starts with the bytes FF DA, which the
    compressed data itself can never hold (there an FF is always followed by 00 or a
    restart marker). An embedded thumbnail's scans are counted too: only more, never fewer."""
    return data.count(b"\xff\xda")


def png_structure_ok(data: bytes) -> bool:
    """At most MAX_PNG_CHUNKS chunks (counted without reading them, and stopping there)."""
    position, chunks = 8, 0
    while position + 8 <= len(data):
        chunks += 1
        if chunks > MAX_PNG_CHUNKS:
            return False
        length = int.from_bytes(data[position : position + 4], "big")
        if data[position + 4 : position + 8] == b"IEND":
            break
        position += 12 + length
    return True


FILL = re.compile(rb"\xff+")
STANDALONE = {0x01, *range(0xD0, 0xD9)}  # TEM, RST0-7, SOI: no length follows


def jpeg_structure_ok(data: bytes) -> bool:
    """The markers before the first scan (the ones Pillow reads in Python) are few, small
    and not padded out: walked by their lengths, stopping at the first limit passed."""
    position, markers, fill = 2, 0, 0
    while True:
        padding = FILL.match(data, position)
        if padding is None:
            return True  # no marker where one belongs: Pillow refuses it as unreadable
        fill += padding.end() - position - 1
        position = padding.end()
        markers += 1
        if markers > MAX_JPEG_MARKERS or fill > MAX_JPEG_FILL_BYTES or position > MAX_JPEG_HEADER_BYTES:
            return False
        if position >= len(data):
            return True
        marker = data[position]
        if marker == 0xDA:  # the first scan: libjpeg (C) reads the rest
            return True
        position += 1
        if marker not in STANDALONE:
            position += int.from_bytes(data[position : position + 2], "big")


def jpeg_coefficient_bytes(image: Image.Image) -> int:
    """What libjpeg holds while it decodes a progressive JPEG: every 8 × 8 block's 64
    coefficients, 2 bytes each, for every component at its own sampling."""
    layers = getattr(image, "layer", None) or [(0, 1, 1, 0)] * len(image.getbands())
    h_max = max(layer[1] for layer in layers) or 1
    v_max = max(layer[2] for layer in layers) or 1
    total = 0
    for _, h, v, _ in layers:
        width = -(-image.width * h // h_max)
        height = -(-image.height * v // v_max)
        total += -(-width // 8) * -(-height // 8) * 128
    return total


TAKES_TOO_LONG = (
    "The image is saved in a way that takes too long to read. "
    "Save it again as an ordinary JPEG or PNG, or make it smaller, and upload it again."
)


def check_structure(data: bytes, field: str) -> None:
    """Before Pillow opens it: a PNG or JPEG whose layout alone would be slow to read."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and not png_structure_ok(data):
        raise DomainError(TAKES_TOO_LONG, field=field)
    if data.startswith(b"\xff\xd8") and not jpeg_structure_ok(data):
        raise DomainError(TAKES_TOO_LONG, field=field)


def check_declared(image: Image.Image, data: bytes, field: str, wrong_kind: str) -> None:
    """Refuse an image on what its header declares, before decoding it."""
    if image.format not in FORMATS:
        raise DomainError(wrong_kind, field=field)
    width, height = image.size
    cap = MAX_PIXELS[image.format]
    if width < 1 or height < 1 or width * height > cap:
        raise DomainError(
            f"The image is too large: {FORMAT_NAMES[image.format]} can have at most {cap / 1_000_000:g} megapixels "
            f"(this one is {width:,} × {height:,} pixels). Make it smaller and upload it again.",
            field=field,
        )
    if image.format == "JPEG":
        if jpeg_scans(data) > MAX_JPEG_SCANS or (
            image.info.get("progressive") and jpeg_coefficient_bytes(image) > MAX_JPEG_COEFFICIENT_BYTES
        ):
            raise DomainError(TAKES_TOO_LONG, field=field)


def decoded_size(image: Image.Image, max_side: int) -> tuple[int, int]:
    """The size the image is stored at: at most max_side on its longer side."""
    width, height = image.size
    ratio = min(1.0, max_side / width, max_side / height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def decode_reduced(image: Image.Image, max_side: int) -> Image.Image:
    """Decode the image and bring it down to its stored size, holding as little at once as
    it can: a JPEG decodes already scaled (1/2, 1/4 or 1/8, never below the stored size);
    anything else is decoded whole, reduced by a whole factor (a box filter), let go, and
    then resampled to the exact size."""
    target = decoded_size(image, max_side)
    if image.format == "JPEG":
        image.draft(None, target)
    image.load()
    if image.mode in ("1", "P"):
        converted = image.convert("RGBA" if image.mode == "P" and image.has_transparency_data else "RGB")
        image.close()
        image = converted
    if image.size == target:
        return image
    factor = min(image.width // target[0], image.height // target[1])
    if factor >= 2:
        reduced = image.reduce(factor)
        image.close()  # its pixels are freed now, before the resampling needs more
        image = reduced
    return image.resize(target, Image.Resampling.BICUBIC)


def store_image(
    data: bytes, folder: str, field: str, wrong_kind: str, unreadable: str, max_side: int = MAX_SIDE
) -> str:
    """Check that `data` is a JPEG, PNG or WebP image of sensible size, re-encode it
    (dropping EXIF location data and anything hidden after the image) into `folder`
    under a random name, and return that name. Problems become a DomainError on `field`."""
    check_structure(data, field)
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
            check_declared(probe, data, field, wrong_kind)
            probe.verify()
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as opened:
            check_declared(opened, data, field, wrong_kind)
            image_format = opened.format
            image = decode_reduced(opened, max_side)
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            name = f"{secrets.token_hex(16)}.{FORMATS[image_format]}"
            options = {"method": 0} if image_format == "WEBP" else {}
            image.save(os.path.join(folder, name), format=image_format, **options)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError, EOFError):
        raise DomainError(unreadable, field=field)
    return name


def check_upload_allowance(field: str) -> None:
    """At most UPLOADS_PER_USER images or files per signed-in person (per address for
    anyone else), whichever form they come through, counted in a moving window; past it,
    a message beside the field. If the limits' store cannot be reached the upload is
    allowed, and logged (each image is bounded anyway)."""
    from brokerage.extensions import limiter

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    if current_user.is_authenticated:
        key = f"user:{current_user.get_id()}"
    else:
        key = f"address:{request.remote_addr or 'unknown'}"
    try:
        window = MovingWindowRateLimiter(limiter.storage)
        for item in parse_many(UPLOADS_PER_USER):
            if not window.hit(item, "uploads", key):
                per = "a minute" if item.get_expiry() == 60 else "an hour"
                raise DomainError(
                    f"You have uploaded {item.amount} files in {per}, the most we take. "
                    "Wait a little, then upload it again.",
                    field=field,
                )
    except DomainError:
        raise
    except Exception:  # the limits' store (Redis) is down: the caps on each image still hold
        log.warning("upload limit not checked: the rate-limit store is unavailable", exc_info=True)


def store_photo(stream) -> str:
    """Validate and re-encode a need's or a story's photo; return its stored file name."""
    check_upload_allowance("photo")
    data = stream.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise DomainError(f"The photo must be smaller than {MAX_PHOTO_BYTES // (1024 * 1024)} MB", field="photo")
    return store_image(
        data,
        photo_dir(),
        "photo",
        "The photo must be a JPEG, PNG or WebP image",
        "The file is not an image we can read. Upload a JPEG, PNG or WebP photo.",
    )


def send_photo(name: str):
    """A stored photo as a response: shown inline, with nothing in it allowed to run."""
    from flask import send_from_directory

    response = send_from_directory(photo_dir(), name, max_age=3600)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def delete_photo(name: str | None) -> None:
    if not name or "/" in name or "\\" in name:
        return
    try:
        os.remove(os.path.join(photo_dir(), name))
    except OSError:
        pass


def hold_chosen_photo(form) -> bool:
    """A form with a photo goes round again (a preview, a mistake to correct): a newly
    chosen photo is checked and kept as the person's pending upload, named by the form's
    hidden `pending_photo` field, so it is not lost. "Remove this photo" lets it go.
    Sets `form.attached` (the pending upload shown as "Attached: name", or None) and
    returns False when the chosen file is not a photo we take."""
    from brokerage.views import show_domain_error
    from models import db
    from models.core.uploads import keep_pending_upload, pending_upload_for

    attached = pending_upload_for(current_user, form.pending_photo.data)
    chosen = form.photo.data if request.method == "POST" else None
    ok = True
    if form.remove_pending_photo.data and attached is not None:
        delete_pending(attached)
        attached = None
    elif chosen is not None and getattr(chosen, "filename", "") and not form.photo.errors:
        try:
            stored = store_photo(chosen.stream)
        except DomainError as error:
            show_domain_error(form, error)
            ok = False
        else:
            if attached is not None:
                delete_pending(attached)
            attached = keep_pending_upload(current_user, stored, chosen.filename)
            db.session.commit()
    elif form.photo.errors:
        ok = False
    form.pending_photo.data = str(attached.id) if attached is not None else ""
    form.attached = attached
    return ok


def delete_pending(upload) -> None:
    from models import db

    name = upload.stored_name
    db.session.delete(upload)
    db.session.commit()
    delete_photo(name)
