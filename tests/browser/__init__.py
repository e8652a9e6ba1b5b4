"""Browser journeys (Playwright driving Debian's chromium).

This file makes tests/browser a package, so its conftest is imported as
`browser.conftest` and never replaces the top-level `conftest` module that the
other tests import helpers from (`from conftest import login, link_in`).
"""
