"""Browser tests: the fixtures (browser, phone, screenshot) live in tests/conftest.py, so any
test module can use the one session-wide browser. Every test that uses it fails on a
Content-Security-Policy violation reported in Chromium's console (tests/conftest.py)."""
