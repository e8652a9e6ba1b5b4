"""Need photos: checked with Pillow (a real image, not too many pixels),
re-encoded without metadata, stored under a random name, served safely."""

from __future__ import annotations

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


def store_photo(stream) -> str:
    """Validate and re-encode an uploaded image; return its stored file name."""
    try:
        with Image.open(stream) as probe:
            if probe.format not in FORMATS:
                raise DomainError("The photo must be a JPEG, PNG or WebP image", field="photo")
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError("The photo is too large: use one under 40 megapixels", field="photo")
            probe.verify()
        stream.seek(0)
        with Image.open(stream) as image:
            image.load()
            image_format = image.format
            # Re-encoding drops EXIF (location) data and anything hidden after the image.
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            name = f"{secrets.token_hex(16)}.{FORMATS[image_format]}"
            image.save(os.path.join(photo_dir(), name), format=image_format)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        raise DomainError("The file is not an image we can read. Upload a JPEG, PNG or WebP photo.", field="photo")
    return name


def delete_photo(name: str | None) -> None:
    if not name or "/" in name or "\\" in name:
        return
    try:
        os.remove(os.path.join(photo_dir(), name))
    except OSError:
        pass
