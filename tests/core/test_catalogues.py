"""The interface's translations (brokerage/translations/): every marked string has a Welsh
translation, each keeps its msgid's placeholders, and plurals have Welsh's six forms."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "brokerage" / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")


def read(path: Path):
    with path.open("rb") as source:
        return read_po(source, locale=path.parent.parent.name)


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def test_there_is_a_welsh_catalogue():
    assert TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_every_marked_string_is_translated_with_its_placeholders(path):
    template = read(TRANSLATIONS / "messages.pot")
    catalogue = read(path)
    untranslated, broken, fuzzy = [], [], []
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        strings = found and (found.string if isinstance(found.string, tuple) else (found.string,))
        if not found or not all(strings):
            untranslated.append(message.id)
            continue
        if found.fuzzy:
            fuzzy.append(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = placeholders(ids[-1])
        for string in strings:
            if placeholders(string) != wanted:
                broken.append((message.id, string))
    assert untranslated == [], f"{path.parent.parent.name}: no translation for {untranslated[:10]}"
    assert broken == [], f"translations that lose or change a placeholder: {broken[:10]}"
    assert fuzzy == [], f"fuzzy (unchecked) translations: {fuzzy[:10]}"


def test_the_template_is_current_with_the_marked_strings(tmp_path):
    """`make extract-messages` was run after the last string was marked (or unmarked)."""
    from babel.messages.frontend import CommandLineInterface

    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "lazy_gettext", "-k", "_l",
         "-o", str(fresh), "--no-location", "--sort-output", str(ROOT)]
    )
    ids = lambda catalogue: {message.id for message in catalogue if message.id}  # noqa: E731
    with fresh.open("rb") as source:
        marked = ids(read_po(source))
    assert marked == ids(read(TRANSLATIONS / "messages.pot")), "run `make extract-messages` and translate what is new"


def test_welsh_plurals_have_six_forms():
    catalogue = read(TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po")
    assert catalogue.num_plurals == 6
    plurals = [message for message in catalogue if isinstance(message.id, tuple)]
    assert plurals, "the catalogue has plural messages"
    assert all(len(message.string) == 6 for message in plurals)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_msgfmt_finds_the_catalogue_fully_translated(path, tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "messages.mo"), str(path)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
