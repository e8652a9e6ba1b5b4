"""Where code goes (README, "Layout"): forms by domain, templates by what renders them.
These tests keep the rules applied everywhere, and find a stale template path."""

from __future__ import annotations

import ast
from pathlib import Path

from jinja2 import meta

ROOT = Path(__file__).resolve().parent.parent
BROKERAGE = ROOT / "brokerage"
TEMPLATES = ROOT / "templates"
BLUEPRINTS = sorted(path.parent.name for path in BROKERAGE.glob("*/__init__.py") if "Blueprint(" in path.read_text())
# Folders for what is not a blueprint's page: emails (the mail job), error pages
# (brokerage/errors.py), the report job's PDF (workers/reports.py) and shared parts.
# govuk_frontend_jinja: the package's own macros where we pass its English words translated
# (the error message's hidden "Error:"), found before the package's copy by the loader.
OTHER_FOLDERS = {"emails", "errors", "reports", "components", "govuk_frontend_jinja"}


def _rendered_names(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "render_template"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append(node.args[0].value)
    return names


def test_forms_are_one_module_per_models_domain():
    domains = {path.name for path in (ROOT / "models").iterdir() if (path / "__init__.py").exists()}
    modules = {path.stem for path in (BROKERAGE / "forms").glob("*.py")} - {"__init__"}
    assert modules <= domains, f"brokerage/forms/ modules with no models/ package: {sorted(modules - domains)}"
    strays = sorted(str(path.relative_to(ROOT)) for path in BROKERAGE.rglob("*forms*.py") if path.parent.name != "forms")
    assert strays == [], f"forms outside brokerage/forms/: {strays}"


def test_a_blueprint_renders_pages_from_its_own_template_folder():
    wrong = []
    for blueprint in BLUEPRINTS:
        for path in (BROKERAGE / blueprint).glob("*.py"):
            for name in _rendered_names(path):
                if not (name.startswith(f"{blueprint}/") or name.startswith("errors/")):
                    wrong.append(f"{path.relative_to(ROOT)} renders {name}")
    assert wrong == []
    folders = {path.name for path in TEMPLATES.iterdir() if path.is_dir()}
    assert folders <= set(BLUEPRINTS) | OTHER_FOLDERS, f"template folders for no blueprint: {folders - set(BLUEPRINTS) - OTHER_FOLDERS}"


def test_templates_compile_and_use_only_their_folder_and_components(app):
    env = app.jinja_env
    ours = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*") if path.is_file())
    users: dict[str, set[str]] = {}
    wrong = []
    for name in ours:
        env.get_template(name)  # a syntax error or an unknown filter fails here
        folder = name.split("/")[0] if "/" in name else ""
        source = env.loader.get_source(env, name)[0]
        for used in meta.find_referenced_templates(env.parse(source)):
            if used is None or used.startswith("govuk_frontend_"):
                continue
            env.get_template(used)  # a stale path fails here
            users.setdefault(used, set()).add(folder)
            if not (used == "base.html" or used.startswith((f"{folder}/", "components/"))):
                wrong.append(f"{name} uses {used}")
    assert wrong == [], "a template may use base.html, its own folder and components/ only"
    # A page that shared code renders for several blueprints (brokerage/tasks.py's task
    # status page) is shared by definition.
    shared_pages = {name for path in BROKERAGE.glob("*.py") for name in _rendered_names(path)}
    for name in ours:
        if name.startswith("components/") and name not in shared_pages:
            assert len(users.get(name, ())) >= 2, f"{name} is used from {users.get(name)}: it belongs in that folder"
