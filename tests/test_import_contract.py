"""The import contract: imports point one way, `brokerage -> workers -> models` and
`brokerage -> models`, and a pure module imports neither Flask nor the session.

Every import counts, wherever it is written: at the top, inside a function (a late
import is still a dependency) or under `if TYPE_CHECKING:`. A module is pure when its
docstring says "Pure: no Flask, no session"; the test reads that marker, so a module
stays pure until someone deletes the words and the reason with them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_MARKER = "Pure: no Flask, no session"

# What a pure module may not import: the web framework, the database, or the
# session-bound rest of models/.
IMPURE_ROOTS = ("flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "werkzeug", "sqlalchemy", "redis", "rq")

# The pure rules the platform is built on; a test fails if one of them loses its marker.
KNOWN_PURE = {
    "models.contracts.tiers",
    "models.digests.periods",
    "models.matching.scoring",
    "models.people.passwords",
    "models.people.registration_numbers",
    "models.places.postcodes",
    "models.places.ward_map",
    "models.voting.pabulib",
    "models.voting.pb_rules",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module the file imports, absolute, with the line it is imported on."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from models import db` imports the package root; `from models import impact`
            # imports a submodule: count both, so either kind of reach is seen.
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def sources(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text())) or ""


def pure_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sources("models") if PURE_MARKER in docstring(p)}


def is_within(name: str, root: str) -> bool:
    return name == root or name.startswith(root + ".")


def violations_of(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for package in packages:
        for path in sources(package):
            for line, name in imported_modules(path):
                for root in forbidden:
                    if is_within(name, root):
                        found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return sorted(set(found))


def test_models_import_neither_the_web_app_nor_the_workers():
    assert violations_of(("models",), ("brokerage", "workers")) == []


def test_workers_do_not_import_the_web_app():
    assert violations_of(("workers",), ("brokerage",)) == []


def test_pure_modules_import_neither_flask_nor_the_session():
    pure = pure_modules()
    found = []
    for name, path in sorted(pure.items()):
        for line, imported in imported_modules(path):
            impure_library = any(is_within(imported, root) for root in IMPURE_ROOTS)
            # Within models/, a pure module may use only other pure modules: `models`
            # itself holds the session (`db`), and the rest of models/ is bound to it.
            impure_model = is_within(imported, "models") and not any(
                imported == p or imported.startswith(p + ".") for p in pure
            )
            if impure_library or impure_model:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert found == []


def test_the_known_pure_rules_still_say_they_are_pure():
    assert KNOWN_PURE - set(pure_modules()) == set()


@pytest.mark.parametrize(
    "source, package, forbidden, expected",
    [
        ("from brokerage.extensions import rq\n", "models", ("brokerage", "workers"), "brokerage.extensions"),
        ("def later():\n    import workers.mail\n", "models", ("brokerage", "workers"), "workers.mail"),
        ("from brokerage import views\n", "workers", ("brokerage",), "brokerage.views"),
        ("from .. import extensions\n", "brokerage", ("brokerage",), "brokerage.extensions"),
    ],
)
def test_the_walker_sees_top_level_late_and_relative_imports(tmp_path, monkeypatch, source, package, forbidden, expected):
    """The contract is only as good as the walker: check it finds what a bad import looks like."""
    fake_root = tmp_path
    module = fake_root / package / "sub" / "bad.py"
    module.parent.mkdir(parents=True)
    module.write_text(source)
    monkeypatch.setattr(f"{__name__}.ROOT", fake_root)
    names = [name for _, name in imported_modules(module)]
    assert any(is_within(name, expected) or name == expected for name in names)
    assert violations_of((package,), forbidden) != []
