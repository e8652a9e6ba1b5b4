"""Take full-page screenshots of the running app with Debian's chromium.

Usage: .venv/bin/python scripts/screenshot.py http://127.0.0.1:5000/ [more urls] [--login EMAIL PASSWORD]
Writes PNGs into screenshots/.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def main(argv: list[str]) -> None:
    login = None
    if "--login" in argv:
        at = argv.index("--login")
        login = argv[at + 1], argv[at + 2]
        argv = argv[:at] + argv[at + 3 :]
    out = Path("screenshots")
    out.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        if login:
            base = re.match(r"https?://[^/]+", argv[0]).group(0)
            page.goto(base + "/sign-in")
            page.fill("#email", login[0])
            page.fill("#password", login[1])
            page.click("button:has-text('Sign in')")
        for url in argv:
            page.goto(url)
            name = re.sub(r"[^a-z0-9]+", "-", url.split("//", 1)[-1].lower()).strip("-")
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
