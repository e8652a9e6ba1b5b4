"""`npm run build` (what `make setup` runs) compiles our Sass with no warnings:
GOV.UK Frontend's own deprecation warnings are silenced (`--quiet-deps`) and our
stylesheet uses GOV.UK Frontend's current colour API, so a warning that does
appear is about our code and worth reading."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]


def test_the_stylesheet_builds_without_warnings(tmp_path):
    sass = ROOT / "node_modules" / ".bin" / "sass"  # `make test` installs it (`npm ci`) before the tests run
    assert sass.exists() and shutil.which("node"), "Node.js and `npm ci` are prerequisites of `make test`"
    build = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["scripts"]["build"].split()
    assert "--quiet-deps" in build, "GOV.UK Frontend's own deprecation warnings should be silenced"
    assert build[0] == "sass" and build[-1] == "static/build/app.css", build
    result = subprocess.run(
        [str(sass), *build[1:-1], str(tmp_path / "app.css")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr and "DEPRECATION" not in result.stderr.upper(), result.stderr
