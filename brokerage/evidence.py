"""Delivery evidence: a PDF or an image the supplier attaches when it records a
delivery. Checked by content (not by the name it came with), size-limited,
stored under a random name, and served only to the people who may see it."""

from __future__ import annotations

import os
import secrets
from typing import Callable

from flask import current_app, send_from_directory

from brokerage.photos import check_upload_allowance, store_image
from brokerage.views import apply_rule, show_domain_error
from models import DomainError

MAX_EVIDENCE_MB = 5
MAX_SIDE = 2000  # as photos: a 2000-pixel scan of a receipt is readable, and costs a third of 3000
NOT_ALLOWED = "The evidence must be a PDF or an image (JPEG, PNG or WebP)"


def evidence_dir() -> str:
    folder = os.path.join(current_app.config["UPLOAD_DIR"], "evidence")
    os.makedirs(folder, exist_ok=True)
    return folder


def _store_pdf(data: bytes) -> str:
    # A PDF starts with its header and ends with an end-of-file marker near the end.
    if b"%%EOF" not in data[-2048:]:
        raise DomainError("The PDF looks incomplete. Save it again and upload it.", field="evidence")
    name = f"{secrets.token_hex(16)}.pdf"
    with open(os.path.join(evidence_dir(), name), "wb") as handle:
        handle.write(data)
    return name


def _store_image(data: bytes) -> str:
    return store_image(data, evidence_dir(), "evidence", NOT_ALLOWED, NOT_ALLOWED, max_side=MAX_SIDE)


def store_evidence(stream) -> str:
    """Check an uploaded file is a PDF or an image within the size limit; return its stored name."""
    check_upload_allowance("evidence")
    data = stream.read(MAX_EVIDENCE_MB * 1024 * 1024 + 1)
    if len(data) > MAX_EVIDENCE_MB * 1024 * 1024:
        raise DomainError(f"The evidence must be smaller than {MAX_EVIDENCE_MB} MB", field="evidence")
    if not data:
        raise DomainError("The file is empty", field="evidence")
    if data.startswith(b"%PDF-"):
        return _store_pdf(data)
    return _store_image(data)


def apply_with_evidence(form, rule: Callable[[str | None], object]) -> bool:
    """Store the form's `evidence` upload (when one was chosen), run the rule with its stored
    name (or None) and commit. A refused file or a refused rule shows its message beside its
    field, and a file stored for a refused rule is deleted. True when it worked."""
    stored: str | None = None
    upload = form.evidence.data
    try:
        if upload and getattr(upload, "filename", ""):
            stored = store_evidence(upload.stream)
    except DomainError as error:
        show_domain_error(form, error)
        return False
    if apply_rule(lambda: rule(stored), form):
        return True
    delete_evidence(stored)
    return False


def delete_evidence(name: str | None) -> None:
    if not name or "/" in name or "\\" in name:
        return
    try:
        os.remove(os.path.join(evidence_dir(), name))
    except OSError:
        pass


def can_see_evidence(pledge, user) -> bool:
    """The supplier's members, the group's members and council officers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_officer or pledge.supplier.is_member(user) or pledge.need.organisation.is_member(user)


def evidence_response(name: str):
    response = send_from_directory(evidence_dir(), name, max_age=0)
    if name.endswith(".pdf"):
        # Never rendered in our origin: a PDF can carry script.
        response.headers["Content-Disposition"] = f'attachment; filename="delivery-evidence{os.path.splitext(name)[1]}"'
    else:
        response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
