"""Browser tests: the fixtures (browser, phone, screenshot) live in tests/conftest.py, so any
test module can use the one session-wide browser.

Every browser test fails if Chromium reported a Content-Security-Policy violation in any page's
console: a script, handler or style the policy blocked is a feature that silently stopped
working."""

import pytest

from tests.conftest import CSP_VIOLATIONS


@pytest.fixture(autouse=True)
def _no_csp_violation():
    CSP_VIOLATIONS.clear()
    yield
    found = list(CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()
    assert not found, found
