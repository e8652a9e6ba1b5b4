"""No upload can make a web worker spend more than a second of CPU or 100 MB of memory.

The worst images we could build under the limits in brokerage/photos.py, each at its
format's cap (and each just past it, refused before a pixel is decoded): a PNG of zeros
that is cheap to send and dear to undo (16-bit RGBA, every row Paeth-filtered); a palette
PNG with transparency (converted to RGBA); a progressive JPEG of noise and a baseline CMYK
JPEG at the JPEG cap; a progressive CMYK JPEG whose coefficients just fit; a JPEG of 64
scans; a lossless WebP; and the issue's 154 KB PNG of 6300 × 6300 pixels. They are stored
in a fresh Python process that reports each one's CPU (resource.getrusage) and peak memory
(the kernel's high-water mark, reset before each). The test asserts what was stored (never
more than 2000 pixels a side) and what was refused, and the memory; the CPU is printed
(`pytest -s`), never asserted, as timing depends on the machine.

Then, through the pages: the bomb is refused beside the photo field with everything else
kept, and uploads are limited per person."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from brokerage.photos import MAX_JPEG_SCANS, MAX_PIXELS, MAX_SIDE
from models import Need, Role, Theme, db
from models.places.themes import seed_themes
from tests.factories import login, post_form

ROOT = Path(__file__).resolve().parents[2]


# Building the images ------------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def zero_png(width: int, height: int, colour_type: int = 6, bit_depth: int = 16, with_pixels: bool = True) -> bytes:
    """A PNG of zeros, every row Paeth-filtered (the dearest filter to undo). Without
    pixels it only declares its size: decoding it would fail as unreadable."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    idat = b""
    if with_pixels:
        row = b"\x04" + bytes(width * channels * bit_depth // 8)
        packer = zlib.compressobj(9)
        idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def many_chunks_png(chunks: int) -> bytes:
    small = zero_png(16, 16, 2, 8)
    extra = b"".join(png_chunk(b"zzZz", b"") for _ in range(chunks))
    return small[:33] + extra + small[33:]


def pillow_bytes(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


class Bits:
    """Bits into bytes, with JPEG's byte stuffing (an FF in the data is followed by 00)."""

    def __init__(self):
        self.out, self.value, self.count = bytearray(), 0, 0

    def put(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self.value = (self.value << 1) | ((value >> shift) & 1)
            self.count += 1
            if self.count == 8:
                self.out.append(self.value)
                if self.value == 0xFF:
                    self.out.append(0)
                self.value, self.count = 0, 0

    def done(self) -> bytes:
        if self.count:
            self.put((1 << (8 - self.count)) - 1, 8 - self.count)
        return bytes(self.out)


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def many_scans_jpeg(width: int, height: int, scans: int) -> bytes:
    """A grey progressive JPEG with `scans` scans: the DC scan, then one-coefficient AC
    scans with a point transform of 13, refined a bit at a time (up to 1 + 63 × 14 scans).
    Each scan codes every block as runs of empty blocks, so the file stays tiny while
    libjpeg goes over every block once per scan."""
    blocks = -(-width // 8) * -(-height // 8)
    out = bytearray(b"\xff\xd8")
    out += jpeg_segment(0xDB, b"\x00" + bytes([1] * 64))
    out += jpeg_segment(0xC2, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    out += jpeg_segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")  # DC: "0" is category 0
    out += jpeg_segment(0xC4, b"\x10" + bytes([0, 0, 0, 15] + [0] * 12) + bytes(r << 4 for r in range(15)))

    def scan(start: int, high: int, low: int, coded: bytes) -> bytes:
        return jpeg_segment(0xDA, bytes([1, 1, 0x00, start, start, (high << 4) | low])) + coded

    bits = Bits()
    for _ in range(blocks):
        bits.put(0, 1)
    out += scan(0, 0, 0, bits.done())
    plan = [(k, 0, 13) for k in range(1, 64)] + [(k, low + 1, low) for low in range(12, -1, -1) for k in range(1, 64)]
    for k, high, low in plan[: scans - 1]:
        bits, left = Bits(), blocks
        while left:
            run = min(left, 32767)
            size = run.bit_length() - 1
            bits.put(size, 4)  # EOBn: a run of empty blocks
            bits.put(run - (1 << size), size)
            left -= run
        out += scan(k, high, low, bits.done())
    return bytes(out + b"\xff\xd9")


def many_markers_jpeg(markers: int) -> bytes:
    small = pillow_bytes(Image.new("RGB", (16, 16)), "JPEG")
    return small[:2] + jpeg_segment(0xFE, b"") * markers + small[2:]


def noise(width: int, height: int, mode: str) -> Image.Image:
    return Image.frombytes(mode, (width, height), os.urandom(width * height * len(mode)))


JPEG_W, JPEG_H = 4097, 3051  # 12,499,947 pixels: at the JPEG cap
PNG_W, PNG_H = 3000, 2000  # at the PNG cap
WEBP_W, WEBP_H = 2000, 1500  # at the WebP cap

TOO_LARGE = "The image is too large"
TOO_SLOW = "The image is saved in a way that takes too long to read"


def worst_images() -> dict[str, tuple[bytes, str | None]]:
    """name: (file, None if it must be stored, else the start of the refusal)."""
    assert JPEG_W * JPEG_H <= MAX_PIXELS["JPEG"] < (JPEG_W + 1) * JPEG_H
    assert PNG_W * PNG_H <= MAX_PIXELS["PNG"] < (PNG_W + 1) * PNG_H
    assert WEBP_W * WEBP_H <= MAX_PIXELS["WEBP"] < WEBP_W * (WEBP_H + 1)
    palette = Image.new("P", (PNG_W, PNG_H))
    return {
        "png-16bit-rgba-paeth-at-cap": (zero_png(PNG_W, PNG_H), None),
        "png-palette-transparent-at-cap": (pillow_bytes(palette, "PNG", transparency=0), None),
        "png-one-column-past-cap": (zero_png(PNG_W + 1, PNG_H, with_pixels=False), TOO_LARGE),
        "png-6300x6300-from-the-issue": (zero_png(6300, 6300, 6, 8), TOO_LARGE),
        "png-4097-chunks": (many_chunks_png(4097), TOO_SLOW),
        "jpeg-progressive-noise-at-cap": (
            pillow_bytes(noise(JPEG_W, JPEG_H, "RGB"), "JPEG", quality=20, progressive=True, subsampling=2), None
        ),
        "jpeg-baseline-cmyk-at-cap": (pillow_bytes(Image.new("CMYK", (JPEG_W, JPEG_H), (9, 8, 7, 6)), "JPEG", subsampling=0), None),
        "jpeg-progressive-cmyk-coefficients-at-cap": (
            pillow_bytes(Image.new("CMYK", (2560, 2048), (9, 8, 7, 6)), "JPEG", progressive=True, subsampling=0), None
        ),
        "jpeg-progressive-cmyk-coefficients-past-cap": (
            pillow_bytes(Image.new("CMYK", (2568, 2048), (9, 8, 7, 6)), "JPEG", progressive=True, subsampling=0), TOO_SLOW
        ),
        "jpeg-64-scans-at-cap": (many_scans_jpeg(JPEG_W, JPEG_H, MAX_JPEG_SCANS), None),
        "jpeg-65-scans": (many_scans_jpeg(JPEG_W, JPEG_H, MAX_JPEG_SCANS + 1), TOO_SLOW),
        "jpeg-883-scans": (many_scans_jpeg(JPEG_W, JPEG_H, 883), TOO_SLOW),
        "jpeg-300-markers": (many_markers_jpeg(300), TOO_SLOW),
        "jpeg-one-column-past-cap": (pillow_bytes(Image.new("L", (JPEG_W + 1, JPEG_H)), "JPEG"), TOO_LARGE),
        "webp-lossless-at-cap": (pillow_bytes(Image.new("RGBA", (WEBP_W, WEBP_H), (1, 2, 3, 4)), "WEBP", lossless=True), None),
        "webp-one-row-past-cap": (pillow_bytes(Image.new("RGB", (WEBP_W, WEBP_H + 1)), "WEBP"), TOO_LARGE),
    }


# Storing them in a fresh process, measured ----------------------------------------------

MEASURE = r"""
import ctypes, gc, json, os, resource, sys
sys.path.insert(0, sys.argv[1])
from PIL import Image
from brokerage.photos import store_image
from models import DomainError

libc = ctypes.CDLL(None)

def status(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None

def reset_peak():
    # Linux: writing 5 to clear_refs resets the peak resident size to the current one.
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

folder, out = sys.argv[2], sys.argv[3]
for name in sorted(os.listdir(folder)):
    data = open(os.path.join(folder, name), "rb").read()
    gc.collect()
    try:
        libc.malloc_trim(0)
    except AttributeError:
        pass
    measured = reset_peak()
    before, started = status("VmRSS"), cpu()
    try:
        stored = store_image(data, out, "photo", "wrong kind", "unreadable")
        with Image.open(os.path.join(out, stored)) as image:
            outcome = {"stored": list(image.size)}
    except DomainError as error:
        outcome = {"refused": error.message}
    used = cpu() - started
    peak = status("VmHWM") - before if measured and before is not None else None
    print(json.dumps({"name": name, "cpu_seconds": round(used, 3), "peak_mb": peak and round(peak / 2**20, 1), **outcome}))
"""


def test_the_worst_images_under_the_limits_stay_within_a_second_and_100_mb(tmp_path):
    images = worst_images()
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    for name, (data, _) in images.items():
        assert len(data) <= 5 * 1024 * 1024, f"{name} is over the 5 MB upload limit"
        (folder / name).write_bytes(data)
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, str(ROOT), str(folder), str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    results = {row["name"]: row for row in map(json.loads, run.stdout.splitlines())}
    print(f"\n{'image':46} {'outcome':>12} {'CPU s':>6} {'peak MB':>8}")
    for name, row in results.items():
        outcome = "x".join(map(str, row["stored"])) if "stored" in row else "refused"
        print(f"{name:46} {outcome:>12} {row['cpu_seconds']:>6} {row['peak_mb']!s:>8}")

    assert set(results) == set(images)
    for name, (_, refusal) in images.items():
        row = results[name]
        if refusal is None:
            assert "stored" in row, f"{name}: {row}"
            width, height = row["stored"]
            assert max(width, height) == MAX_SIDE and width * height <= MAX_SIDE * MAX_SIDE, name
        else:
            assert row.get("refused", "").startswith(refusal), f"{name}: {row}"
        if row["peak_mb"] is not None:  # measured where the kernel lets us reset the peak
            assert row["peak_mb"] < 100, f"{name}: {row}"


def test_a_size_is_refused_on_the_header_alone(tmp_path):
    """A PNG declaring 6300 × 6300 with no pixel data at all is refused as too large:
    had it been decoded, it would have been refused as unreadable."""
    from brokerage.photos import store_image
    from models import DomainError

    with pytest.raises(DomainError) as refused:
        store_image(zero_png(6300, 6300, with_pixels=False), str(tmp_path), "photo", "wrong", "unreadable")
    assert refused.value.message == (
        "The image is too large: a PNG can have at most 6 megapixels (this one is 6,300 × 6,300 pixels). "
        "Make it smaller and upload it again."
    )
    assert refused.value.field == "photo"
    assert list(tmp_path.iterdir()) == []


# Through the pages ----------------------------------------------------------------------


@pytest.fixture
def group(app, places, make_user, make_organisation):
    with app.app_context():
        seed_themes()
        db.session.commit()
        theme_id = db.session.scalar(select(Theme.id).order_by(Theme.position))
    officer = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    owner = make_user("owner@example.org", "Olu Owner")
    other = make_user("other@example.org", "Odette Other")
    group_id = make_organisation(owner, name="Harlesden Food Hub", officer_id=officer)
    other_group = make_organisation(other, name="Kilburn Football", registration_number="1190002", officer_id=officer)
    return {"group": group_id, "other_group": other_group, "theme_id": theme_id}


def need_form(theme_id: int, photo: bytes, title: str = "Laptops for our homework club") -> dict:
    from datetime import date, timedelta

    deadline = date.today() + timedelta(days=60)
    return {
        "title": title,
        "summary": "Ten laptops so children can do their homework.",
        "description": "",
        "kind": "goods",
        "quantity": "10",
        "unit": "laptops",
        "value": "2,400",
        "ward_id": "0",
        "theme_id": str(theme_id),
        "beneficiaries": "35",
        "deadline": [str(deadline.day), str(deadline.month), str(deadline.year)],
        "photo_alt": "Children at the club",
        "save": "Save as draft",
        "photo": (io.BytesIO(photo), "photo.png"),
    }


def need_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Need))


def stored_photos(app) -> list[str]:
    folder = Path(app.config["UPLOAD_DIR"]) / "photos"
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_the_png_bomb_is_refused_beside_the_photo_and_what_was_typed_is_kept(app, client, group):
    login(client, "owner@example.org")
    before = stored_photos(app)
    response = post_form(
        client, f"/groups/{group['group']}/needs/new", need_form(group["theme_id"], zero_png(6300, 6300, 6, 8)),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "a PNG can have at most 6 megapixels (this one is 6,300 × 6,300 pixels)" in page
    assert 'id="photo-error"' in page
    assert 'value="Laptops for our homework club"' in page and 'value="Children at the club"' in page
    assert need_count(app) == 0
    assert stored_photos(app) == before


def small_png(shade: int) -> bytes:
    return pillow_bytes(Image.new("RGB", (64, 48), (shade, 30, 30)), "PNG")


def test_uploads_are_limited_per_person_with_a_message_beside_the_field(app, group):
    from brokerage.photos import UPLOADS_PER_USER

    per_minute = int(UPLOADS_PER_USER.split(" per minute")[0])
    owner = app.test_client()
    login(owner, "owner@example.org")
    url = f"/groups/{group['group']}/needs/new"
    for n in range(per_minute):
        response = post_form(owner, url, need_form(group["theme_id"], small_png(n), f"Need {n}"), content_type="multipart/form-data")
        assert response.status_code == 302, n
    response = post_form(owner, url, need_form(group["theme_id"], small_png(99), "One too many"), content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"You have uploaded {per_minute} files in a minute, the most we take." in page
    assert 'id="photo-error"' in page and 'value="One too many"' in page
    assert need_count(app) == per_minute
    # Somebody else, from the same address, still can.
    other = app.test_client()
    login(other, "other@example.org")
    response = post_form(
        other, f"/groups/{group['other_group']}/needs/new", need_form(group["theme_id"], small_png(1), "Football kit"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
