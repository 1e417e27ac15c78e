"""Pure-Python algorithms for Markaz (no Django, no database, no settings).

Each module takes plain frozen dataclasses in and returns frozen dataclasses out, so it can be
tested, benchmarked and run on its own. An import-linter contract forbids importing Django or
any Markaz app from here; see ``docs/algorithms/`` for one page per engine.
"""
