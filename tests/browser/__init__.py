"""Browser journeys (Playwright driving Debian's chromium).

This file makes tests/browser a package, so its conftest is imported as
`browser.conftest` and never replaces the top-level `conftest` module. Tests import
their helpers from `tests.factories`.
"""
