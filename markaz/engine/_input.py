"""Checks shared by the engines' input parsers (their command lines read JSON from people)."""

import re
from typing import Any


def check_keys(
    obj: object, where: str, required: set[str], allowed: set[str], error: type[Exception]
) -> dict[str, Any]:
    """`obj` must be a dict holding every `required` key and no key outside `allowed`; raises
    `error` naming the first problem."""
    if not isinstance(obj, dict):
        raise error(f"{where}: expected an object, got {type(obj).__name__}")
    missing = sorted(required - obj.keys())
    if missing:
        raise error(f"{where}: missing key {missing[0]!r}")
    unknown = sorted(map(str, obj.keys() - allowed))
    if unknown:
        raise error(f"{where}: unknown key {unknown[0]!r}")
    return obj


def hhmm_minutes(
    value: object, where: str, pattern: re.Pattern[str], error: type[Exception]
) -> int:
    """Minutes since midnight of an "HH:MM" time matched by `pattern` (24:00 allowed)."""
    m = pattern.match(value) if isinstance(value, str) else None
    if m is None:
        raise error(f"{where}: expected a time HH:MM, got {value!r}")
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 24 or mi > 59 or (h == 24 and mi):
        raise error(f"{where}: bad time {value!r}")
    return h * 60 + mi
