import pytest
from hypothesis import given
from hypothesis import strategies as st

from markaz.engine.scoring import CRITERIA, DEFAULT_RULE, Facts, ScoringRule, criterion_label, score

facts = st.builds(
    Facts,
    rsu_index=st.none() | st.floats(0, 30, allow_nan=False),
    activity_status=st.sampled_from(["unemployed", "trainee", "worker"]),
    has_disability=st.booleans(),
    rural=st.booleans(),
    earlier_training=st.booleans(),
)


def test_default_rule_table():
    f = Facts(
        rsu_index=8.2,
        activity_status="unemployed",
        has_disability=False,
        rural=True,
        earlier_training=False,
    )
    s = score(f, DEFAULT_RULE)
    assert s.total == 4 + 3 + 2 + 1
    assert s.met == ("rsu_below_threshold", "unemployed", "rural", "first_training")


def test_rsu_threshold_is_strict_and_missing_rsu_gives_nothing():
    base = {
        "activity_status": "worker",
        "has_disability": False,
        "rural": False,
        "earlier_training": True,
    }
    assert score(Facts(rsu_index=9.74, **base), DEFAULT_RULE).total == 0
    assert score(Facts(rsu_index=9.73, **base), DEFAULT_RULE).total == 4
    assert score(Facts(rsu_index=None, **base), DEFAULT_RULE).total == 0


@given(facts)
def test_score_is_the_sum_of_the_met_criteria(f):
    s = score(f, DEFAULT_RULE)
    assert s.total == sum(DEFAULT_RULE.weights[c] for c in s.met)
    assert list(s.met) == [c for c in CRITERIA if c in s.met]


def test_bad_rules_are_refused():
    with pytest.raises(ValueError):
        ScoringRule(version="x", weights={"height": 1})
    with pytest.raises(ValueError):
        ScoringRule(version="x", weights={"rural": -1})


def test_labels_in_both_languages():
    for c in CRITERIA:
        assert criterion_label(c, DEFAULT_RULE, "fr") and criterion_label(c, DEFAULT_RULE, "ar")
    assert "9.74" in criterion_label("rsu_below_threshold", DEFAULT_RULE, "ar")
