import pytest
from hypothesis import given
from hypothesis import strategies as st

from markaz.engine.identity import is_valid_cin, normalise_cin


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AB123456", "AB123456"),
        ("ab123456", "AB123456"),
        (" ab 123 456 ", "AB123456"),
        ("F-45.678", "F45678"),
        ("f\t45\u00a0678\n", "F45678"),
        ("AB-123-456", "AB123456"),
        ("ab١٢٣", "AB123"),
        ("", ""),
    ],
)
def test_normalise_cin(raw: str, expected: str) -> None:
    assert normalise_cin(raw) == expected


@pytest.mark.parametrize(
    ("cin", "valid"),
    [
        ("AB123456", True),
        ("F45678", True),
        ("F1", True),
        ("ab 123-456", True),
        ("", False),
        ("AB", False),
        ("123456", False),
        ("ABC123", False),
        ("AB1234567", False),
        ("A12B34", False),
        ("AB123456\n", True),  # trailing whitespace is removed by normalisation
        ("ÉB123", False),
    ],
)
def test_is_valid_cin(cin: str, valid: bool) -> None:
    assert is_valid_cin(cin) is valid


@given(st.text())
def test_normalise_is_idempotent_and_strips_separators(raw: str) -> None:
    once = normalise_cin(raw)
    assert normalise_cin(once) == once
    assert not any(ch.isspace() or ch in "-." for ch in once)


@given(st.from_regex(r"[A-Za-z]{1,2}[0-9]{1,6}", fullmatch=True))
def test_every_well_formed_cin_is_valid(cin: str) -> None:
    assert is_valid_cin(cin)
    assert is_valid_cin(" - ".join(cin))
