"""The Open Contracting Partnership's own tools, run offline on what the platform publishes.

`libcoveocds` (the checker behind the OCDS Data Review Tool) and `ocdskit compile` fetch the
standard (a ZIP of its repository, from codeload.github.com) and each extension named in a
package (its extension.json and release-schema.json, from raw.githubusercontent.com). The
network beyond this machine may be closed, so `LocalMirror` serves the copies vendored in
tests/data/ocds/ (see its README) from an HTTP server on 127.0.0.1, under the same paths as
on those hosts: https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/v1.1/
is served as http://127.0.0.1:PORT/raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/v1.1/
Anything not vendored is a 404, as a URL that does not exist would be on the internet, and
every request is logged with its status, so a test can tell that the checker used these files.

The tools get the local URLs through their own settings: libcoveocds's `standard_zip`,
`schema_version_choices` and `schema_codelists` config keys, and the package's `extensions`
(the only place either tool reads an extension's URL from), rewritten host for host by
`LocalMirror.local`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "ocds"
STANDARD_TAG = "1__1__5"
STANDARD_ZIP = f"https://codeload.github.com/open-contracting/standard/zip/{STANDARD_TAG}"
METRICS_V1_1 = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/v1.1/"
HOSTS = ("https://raw.githubusercontent.com/", "https://codeload.github.com/", "https://standard.open-contracting.org/")


def _standard_zip() -> bytes:
    """The standard's repository as codeload serves it: one top folder, the schema under it."""
    top = f"standard-{STANDARD_TAG}/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(top, "")  # the first entry is the top folder, as ocdsextensionregistry expects
        root = DATA / "standard" / STANDARD_TAG
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, top + path.relative_to(root).as_posix())
    return buffer.getvalue()


def vendored_files() -> dict[str, bytes]:
    """URL path (host first) -> content, for everything in tests/data/ocds/."""
    files = {STANDARD_ZIP.removeprefix("https://"): _standard_zip()}
    for path in sorted((DATA / "ocds_metrics_extension" / "v1.1").iterdir()):
        files[(METRICS_V1_1 + path.name).removeprefix("https://")] = path.read_bytes()
    return files


class LocalMirror:
    """An HTTP server on 127.0.0.1 with the vendored files; `requests` lists the paths asked for,
    each with the status it was answered with."""

    def __init__(self) -> None:
        files = vendored_files()
        self.requests: list[tuple[str, int]] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                path = self.path.lstrip("/").split("?", 1)[0]
                body = files.get(path)
                status = 200 if body is not None else 404
                mirror.requests.append((path, status))
                self.send_response(status)
                body = body if body is not None else b"Not Found"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # the test reads `requests` instead

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalMirror:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def local(self, url: str) -> str:
        """The URL on this server of a file on one of the hosts it mirrors."""
        for host in HOSTS:
            if url.startswith(host):
                return self.base + url.removeprefix("https://")
        return url

    def localised(self, package: dict[str, Any]) -> dict[str, Any]:
        """The package with its extensions' URLs on this server (nothing else changes)."""
        return {**package, "extensions": [self.local(url) for url in package.get("extensions", [])]}

    def libcoveocds_config(self, context: str = "api"):
        from libcoveocds.config import LibCoveOCDSConfig

        return LibCoveOCDSConfig({
            "context": context,
            "additional_checks": "all",
            "standard_zip": self.local(STANDARD_ZIP),
            "schema_version_choices": {
                "1.1": ("1.1", self.local("https://standard.open-contracting.org/1.1/en/"), STANDARD_TAG),
            },
            "schema_codelists": {
                "1.1": self.local(
                    f"https://raw.githubusercontent.com/open-contracting/standard/{STANDARD_TAG}/schema/codelists/"
                ),
            },
        })

    def review(self, package: dict[str, Any], workdir: Path) -> dict[str, Any]:
        """libcoveocds's results for a release package (as the Data Review Tool's API gives them)."""
        from libcoveocds.api import ocds_json_output

        workdir.mkdir(parents=True, exist_ok=True)  # where it writes the extended schema
        return ocds_json_output(
            str(workdir), json_data=self.localised(package), lib_cove_ocds_config=self.libcoveocds_config()
        )

    def extensions(self, package: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The package's extensions as libcoveocds loads them for the Data Review Tool's pages (the
        API context skips reading their metadata, so it reports no extension.json that fails):
        each one's details (name, description...) and, for any that failed, why."""
        from libcoveocds.schema import SchemaOCDS

        schema = SchemaOCDS(package_data=self.localised(package), lib_cove_ocds_config=self.libcoveocds_config("web"))
        schema.get_schema_obj()
        return schema.extensions, schema.invalid_extension

    def patched_release_schema(self, package: dict[str, Any]) -> dict[str, Any]:
        """The release schema with the package's extensions applied, as ocdskit would build it."""
        from ocdsextensionregistry import ProfileBuilder

        builder = ProfileBuilder(
            STANDARD_TAG, self.localised(package)["extensions"], standard_base_url=self.local(STANDARD_ZIP)
        )
        return builder.patched_release_schema()


def errors(results: dict[str, Any]) -> dict[str, Any]:
    """Everything in libcoveocds's results that is an error, an unloaded extension or a failed
    additional check (each empty for a package with nothing wrong)."""
    extensions = results.get("extensions") or {}
    found = {
        "validation_errors": results["validation_errors"],
        "additional_closed_codelist_values": results["additional_closed_codelist_values"],
        "conformance_errors": results.get("conformance_errors", {}),
        "additional_checks": results.get("additional_checks", {}),
        "invalid_extensions": extensions.get("invalid_extensions", []),
        "json_deref_error": results.get("json_deref_error"),
    }
    return {key: value for key, value in found.items() if value}


def ocdskit_compile(package: dict[str, Any], schema: Path) -> subprocess.CompletedProcess:
    """`ocdskit compile --package` on the package, as a user runs it, with the patched release
    schema from `schema` (a file) instead of one fetched from the internet."""
    return subprocess.run(
        [sys.executable, "-m", "ocdskit", "compile", "--package", "--schema", str(schema)],
        input=json.dumps(package), capture_output=True, text=True, timeout=120, check=False,
    )
