"""The browser harness itself: axe_check must fail when a page is inaccessible or
breaks its Content-Security-Policy, or a clean run of the journeys proves nothing."""

from __future__ import annotations

import pytest

from .conftest import axe_check


def test_axe_check_fails_on_a_critical_violation_and_names_the_node(page):
    page.goto("/")
    page.evaluate(
        """() => {
            const image = document.createElement('img');
            image.id = 'no-alt';
            image.src = '/static/images/favicon.svg';
            document.querySelector('#main-content').append(image);
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        axe_check(page)
    assert "image-alt (critical)" in str(failure.value)
    assert "#no-alt" in str(failure.value)


def test_axe_check_fails_when_the_page_breaks_its_content_security_policy(page):
    page.goto("/")
    # An inline script without the nonce: the app's CSP must block it.
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = true")
    assert page.evaluate("window.injected") is None
    with pytest.raises(AssertionError, match="Content-Security-Policy"):
        axe_check(page)
