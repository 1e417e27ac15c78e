"""Browser tests: the fixtures (browser, phone, screenshot) live in tests/conftest.py, so any
test module can use the one session-wide browser."""
