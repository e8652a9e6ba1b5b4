"""Need photos: checked with Pillow (a real image, not too many pixels),
re-encoded without metadata, stored under a random name, served safely."""

from __future__ import annotations

import io
import os
import secrets

from flask import current_app
from PIL import Image, UnidentifiedImageError

from models import DomainError

MAX_PIXELS = 40_000_000
MAX_SIDE = 2000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def photo_dir() -> str:
    folder = os.path.join(current_app.config["UPLOAD_DIR"], "photos")
    os.makedirs(folder, exist_ok=True)
    return folder


def store_image(
    data: bytes, folder: str, field: str, wrong_kind: str, unreadable: str, max_side: int = MAX_SIDE
) -> str:
    """Check that `data` is a JPEG, PNG or WebP image of sensible size, re-encode it
    (dropping EXIF location data and anything hidden after the image) into `folder`
    under a random name, and return that name. Problems become a DomainError on `field`."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise DomainError(wrong_kind, field=field)
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError("The image is too large: use one under 40 megapixels", field=field)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image_format = image.format
            image.thumbnail((max_side, max_side))
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            name = f"{secrets.token_hex(16)}.{FORMATS[image_format]}"
            image.save(os.path.join(folder, name), format=image_format)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        raise DomainError(unreadable, field=field)
    return name


def store_photo(stream) -> str:
    """Validate and re-encode a need's photo; return its stored file name."""
    return store_image(
        stream.read(),
        photo_dir(),
        "photo",
        "The photo must be a JPEG, PNG or WebP image",
        "The file is not an image we can read. Upload a JPEG, PNG or WebP photo.",
    )


def delete_photo(name: str | None) -> None:
    if not name or "/" in name or "\\" in name:
        return
    try:
        os.remove(os.path.join(photo_dir(), name))
    except OSError:
        pass
