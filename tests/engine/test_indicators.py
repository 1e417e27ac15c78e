import json
import math
import statistics

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from markaz.engine.indicators import (
    AGE_BANDS,
    DICTIONARY,
    DICTIONARY_VERSION,
    DIMENSIONS,
    CaravanFacts,
    CentreFacts,
    YouthFacts,
    compute,
    indicator,
    members,
    pack_to_dict,
    protect,
    recoverable_cells,
)

FLAGS = [
    "applied",
    "eligible",
    "enrolled",
    "ended",
    "completed",
    "certified",
    "due6",
    "reached6",
    "inserted6",
    "due12",
    "reached12",
    "inserted12",
    "business_created",
]
COLUMNS = [
    "person_id",
    *DIMENSIONS,
    *FLAGS,
    "income_before",
    "income_after",
    "jobs_created",
    "mentoring_hours",
    "marks_present",
    "marks_total",
]
NAN = math.nan
HIER = {"c1": "urban", "c2": "rural", "c3": "rural", "c4": "urban"}
HIERARCHY = {"commune": HIER}


def youth_of(rows) -> YouthFacts:
    return YouthFacts(**{col: [r[col] for r in rows] for col in COLUMNS})


def person(pid, sex, age, commune, programme, period, flags="", **kw):
    """One youth; `flags` lists the true boolean columns."""
    row = {
        "person_id": pid,
        "sex": sex,
        "age_band": age,
        "commune": commune,
        "area": HIER[commune],
        "programme": programme,
        "period": period,
        **{f: f in flags.split() for f in FLAGS},
        "income_before": NAN,
        "income_after": NAN,
        "jobs_created": 0,
        "mentoring_hours": 0.0,
        "marks_present": 0,
        "marks_total": 0,
    }
    row.update(kw)
    return row


ENDED_DONE = "applied eligible enrolled ended completed"
# fmt: off
ROWS = [
    person(1, "F", "18-24", "c1", "p1", "2025-Q1",
           f"{ENDED_DONE} certified due6 reached6 inserted6 business_created",
           income_before=1000.0, income_after=2000.0, jobs_created=2, mentoring_hours=3.5,
           marks_present=8, marks_total=10),
    person(2, "F", "25-29", "c2", "p1", "2025-Q1", "applied eligible enrolled ended due6",
           income_after=1500.0, marks_present=5, marks_total=10),
    person(3, "M", "18-24", "c1", "p2", "2025-Q2", "applied eligible enrolled",
           income_before=3000.0, mentoring_hours=2.0, marks_present=10, marks_total=10),
    person(4, "M", "30-35", "c2", "none", "2025-Q2", "applied", income_before=500.0),
    person(5, "F", "other", "c1", "none", "2025-Q1", "applied eligible"),
    person(6, "M", "18-24", "c2", "p1", "2025-Q2",
           "enrolled ended completed due6 reached6 due12 reached12 inserted12 business_created",
           income_before=2000.0, income_after=2500.0, jobs_created=3, mentoring_hours=1.0),
]
# fmt: on
CARAVAN = CaravanFacts(
    commune=["c1", "c1", "c2", "c2", "c1"],
    area=["urban", "urban", "rural", "rural", "urban"],
    level=["primaire", "primaire", "college", "college", "lycee"],
    period=["2025-Q1", "2025-Q1", "2025-Q2", "2025-Q2", "2025-Q2"],
    sex=["F", "M", "F", "M", "F"],
    school_id=[10, 10, 11, 11, 12],
    pupils=[12, 8, 0, 4, 0],
)
CENTRE = CentreFacts(
    occupancy_hours={"2025-Q1": 300.0, "2025-Q2": 100.0},
    capacity_hours={"2025-Q1": 1000.0, "2025-Q2": 1000.0},
    investment_mad=5_300_000.0,
    running_budget_mad=700_000.0,
    schools_total=20,
    schools_by={
        "commune": {"c1": 10, "c2": 5},
        "area": {"urban": 12, "rural": 8},
        "level": {"primaire": 14, "college": 4, "lycee": 2},
    },
    communes_total=16,
)
CATEGORIES = {
    "commune": ["c1", "c2", "c3"],
    "period": ["2025-Q1", "2025-Q2", "2025-Q3"],
    "programme": ["p1", "p2", "none"],
}
TARGETS = {"enrolled": 5, "completion_rate": 50, "applicants": 0, "no_such_code": 3}


@pytest.fixture(scope="module")
def pack():
    return pack_to_dict(
        compute(
            youth_of(ROWS),
            CARAVAN,
            CENTRE,
            targets=TARGETS,
            categories=CATEGORIES,
            window=("2025-01-01", "2025-12-31"),
        )
    )


def fig(pack, code):
    return next(i for i in pack["indicators"] if i["code"] == code)


def cell(pack, code, dim, category):
    return next(c for c in fig(pack, code)["by"][dim] if c["category"] == category)


def row(d):
    return (d["value"], d["numerator"], d["denominator"], d["n"], d["display"])


# --- The dictionary ------------------------------------------------------------------------


def test_dictionary_is_complete_and_bilingual():
    codes = [i.code for i in DICTIONARY]
    assert len(codes) == len(set(codes))
    for code in [
        "applicants", "eligible", "enrolled", "completed", "certified", "completion_rate",
        "attendance_rate", "reach_rate_6", "insertion_rate_6", "reach_rate_12",
        "insertion_rate_12", "median_income_before", "median_income_after",
        "businesses_created", "jobs_created", "mentoring_hours", "occupancy_rate",
        "caravan_pupils", "caravan_girls_share", "schools_reached", "schools_reached_share",
        "communes_reached", "cost_per_beneficiary", "running_cost_per_beneficiary",
    ]:  # fmt: skip
        assert code in codes
    arabic = set(range(0x0600, 0x06FF))
    for ind in DICTIONARY:
        assert ind.name_fr and ind.definition_fr and ind.formula
        assert any(ord(ch) in arabic for ch in ind.name_ar + ind.definition_ar)
        assert ind.kind in {"count", "sum", "rate", "median", "ratio"}
    assert indicator("enrolled").disaggregations == DIMENSIONS
    assert indicator("occupancy_rate").disaggregations == ("period",)
    assert not indicator("occupancy_rate").protected
    assert not indicator("schools_reached").protected
    # Pupils are counted, never registered: their counts are not about identifiable people.
    assert not indicator("caravan_pupils").protected
    assert not indicator("caravan_girls_share").protected
    assert indicator("cost_per_beneficiary").disaggregations == ()
    with pytest.raises(ValueError, match="unknown indicator"):
        indicator("nope")


# --- Values on a hand-made set -------------------------------------------------------------


def test_pack_shape(pack):
    assert pack["version"] == DICTIONARY_VERSION == "2026.1"
    assert pack["window"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert pack["protected"] is False
    assert [i["code"] for i in pack["indicators"]] == [i.code for i in DICTIONARY]
    keys = list(fig(pack, "enrolled"))
    assert keys == [
        "code", "name_fr", "name_ar", "definition_fr", "definition_ar", "formula", "kind",
        "unit", "value", "numerator", "denominator", "n", "display", "suppressed", "target",
        "pct_target", "by",
    ]  # fmt: skip
    assert list(fig(pack, "enrolled")["by"]) == list(DIMENSIONS)
    assert list(cell(pack, "enrolled", "sex", "F")) == [
        "category", "value", "numerator", "denominator", "n", "display", "suppressed",
    ]  # fmt: skip
    json.dumps(pack)  # JSON-able


def test_categories_in_given_order_with_zero_cells_and_extras(pack):
    by = fig(pack, "enrolled")["by"]
    assert [c["category"] for c in by["sex"]] == ["F", "M"]
    assert [c["category"] for c in by["age_band"]] == list(AGE_BANDS)
    assert [c["category"] for c in by["commune"]] == ["c1", "c2", "c3"]
    assert [c["category"] for c in by["area"]] == ["urban", "rural"]
    assert [c["category"] for c in by["programme"]] == ["p1", "p2", "none"]
    assert [c["category"] for c in by["period"]] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert row(cell(pack, "enrolled", "commune", "c3")) == (0, None, None, 0, "0")
    # A category found in the data but not listed is added after the listed ones.
    rows = [*ROWS, person(7, "F", "18-24", "c4", "p9", "2025-Q4", "enrolled")]
    d = pack_to_dict(compute(youth_of(rows), CARAVAN, CENTRE, categories=CATEGORIES))
    by = fig(d, "enrolled")["by"]
    assert [c["category"] for c in by["commune"]] == ["c1", "c2", "c3", "c4"]
    assert [c["category"] for c in by["programme"]] == ["p1", "p2", "none", "p9"]


@pytest.mark.parametrize(
    ("code", "total", "by_sex"),
    [
        ("applicants", (5, None, None, 5, "5"), {"F": 3, "M": 2}),
        ("eligible", (4, None, None, 4, "4"), {"F": 3, "M": 1}),
        ("enrolled", (4, None, None, 4, "4"), {"F": 2, "M": 2}),
        ("completed", (2, None, None, 2, "2"), {"F": 1, "M": 1}),
        ("certified", (1, None, None, 1, "1"), {"F": 1, "M": 0}),
        ("businesses_created", (2, None, None, 2, "2"), {"F": 1, "M": 1}),
        ("completion_rate", (66.7, 2, 3, 3, "66.7"), {"F": 50.0, "M": 100.0}),
        ("attendance_rate", (76.7, 23, 30, 3, "76.7"), {"F": 65.0, "M": 100.0}),
        ("reach_rate_6", (66.7, 2, 3, 3, "66.7"), {"F": 50.0, "M": 100.0}),
        ("insertion_rate_6", (50.0, 1, 2, 2, "50.0"), {"F": 100.0, "M": 0.0}),
        ("reach_rate_12", (100.0, 1, 1, 1, "100.0"), {"F": None, "M": 100.0}),
        ("insertion_rate_12", (100.0, 1, 1, 1, "100.0"), {"F": None, "M": 100.0}),
        ("median_income_before", (1500.0, None, None, 4, "1500"), {"F": 1000.0, "M": 2000.0}),
        ("median_income_after", (2000.0, None, None, 3, "2000"), {"F": 1750.0, "M": 2500.0}),
        ("jobs_created", (5, None, None, 2, "5"), {"F": 2, "M": 3}),
        ("mentoring_hours", (6.5, None, None, 3, "6.5"), {"F": 3.5, "M": 3.0}),
        ("caravan_pupils", (24, None, None, 24, "24"), {"F": 12, "M": 12}),
    ],
)
def test_youth_and_pupil_values(pack, code, total, by_sex):
    assert row(fig(pack, code)) == total
    assert {c["category"]: c["value"] for c in fig(pack, code)["by"]["sex"]} == by_sex


def test_cells_in_detail(pack):
    # Zero denominators give None, shown as a dash.
    assert row(cell(pack, "completion_rate", "programme", "p2")) == (None, 0, 0, 0, "—")
    assert row(cell(pack, "completion_rate", "programme", "p1")) == (66.7, 2, 3, 3, "66.7")
    assert row(cell(pack, "reach_rate_12", "sex", "F")) == (None, 0, 0, 0, "—")
    assert row(cell(pack, "attendance_rate", "sex", "M")) == (100.0, 10, 10, 1, "100.0")
    assert row(cell(pack, "median_income_before", "sex", "M")) == (2000.0, None, None, 3, "2000")
    assert row(cell(pack, "median_income_before", "period", "2025-Q3")) == (
        None, None, None, 0, "—",
    )  # fmt: skip
    assert row(cell(pack, "mentoring_hours", "sex", "M")) == (3.0, None, None, 2, "3")
    assert row(cell(pack, "jobs_created", "programme", "p1")) == (5, None, None, 2, "5")
    assert row(cell(pack, "applicants", "programme", "none")) == (2, None, None, 2, "2")
    assert row(cell(pack, "enrolled", "area", "rural")) == (2, None, None, 2, "2")


def test_caravan_and_centre(pack):
    assert row(fig(pack, "caravan_girls_share")) == (50.0, 12, 24, 24, "50.0")
    assert row(cell(pack, "caravan_girls_share", "commune", "c1")) == (60.0, 12, 20, 20, "60.0")
    assert row(cell(pack, "caravan_girls_share", "commune", "c2")) == (0.0, 0, 4, 4, "0.0")
    assert row(cell(pack, "caravan_pupils", "level", "college")) == (4, None, None, 4, "4")
    assert list(fig(pack, "caravan_girls_share")["by"]) == ["commune", "area", "level", "period"]
    # School 12 had no pupils: not reached.
    assert row(fig(pack, "schools_reached")) == (2, None, None, 2, "2")
    assert [c["value"] for c in fig(pack, "schools_reached")["by"]["level"]] == [1, 1, 0]
    assert list(fig(pack, "schools_reached")["by"]) == ["commune", "area", "level"]
    assert row(fig(pack, "schools_reached_share")) == (10.0, 2, 20, 2, "10.0")
    assert row(cell(pack, "schools_reached_share", "commune", "c2")) == (20.0, 1, 5, 1, "20.0")
    assert row(cell(pack, "schools_reached_share", "commune", "c3")) == (None, 0, 0, 0, "—")
    assert row(cell(pack, "schools_reached_share", "level", "lycee")) == (0.0, 0, 2, 0, "0.0")
    assert row(fig(pack, "communes_reached")) == (2, None, None, 2, "2")
    assert [c["value"] for c in fig(pack, "communes_reached")["by"]["area"]] == [1, 1]
    assert fig(pack, "occupancy_rate")["value"] == 20.0
    assert [c["value"] for c in fig(pack, "occupancy_rate")["by"]["period"]] == [30.0, 10.0, None]
    assert row(fig(pack, "cost_per_beneficiary")) == (1_500_000.0, 6_000_000.0, 4, 4, "1500000")
    assert row(fig(pack, "running_cost_per_beneficiary"))[0] == 175_000.0
    assert fig(pack, "cost_per_beneficiary")["by"] == {}


def test_targets(pack):
    assert (fig(pack, "enrolled")["target"], fig(pack, "enrolled")["pct_target"]) == (5.0, 80.0)
    assert fig(pack, "completion_rate")["pct_target"] == 133.4
    assert (fig(pack, "applicants")["target"], fig(pack, "applicants")["pct_target"]) == (0, None)
    assert (fig(pack, "certified")["target"], fig(pack, "certified")["pct_target"]) == (None, None)


def test_no_youth_at_all():
    d = pack_to_dict(compute(youth_of([]), CaravanFacts(*[[]] * 7), CENTRE))
    assert row(fig(d, "enrolled")) == (0, None, None, 0, "0")
    assert row(fig(d, "completion_rate")) == (None, 0, 0, 0, "—")
    assert row(fig(d, "median_income_after")) == (None, None, None, 0, "—")
    assert fig(d, "cost_per_beneficiary")["value"] is None
    assert row(fig(d, "caravan_girls_share")) == (None, 0, 0, 0, "—")
    assert [c["value"] for c in fig(d, "enrolled")["by"]["sex"]] == [0, 0]


def test_numpy_columns_give_the_same_pack(pack):
    y = youth_of(ROWS)
    arrays = YouthFacts(**{k: np.asarray(v) for k, v in vars(y).items()})
    d = pack_to_dict(
        compute(
            arrays,
            CARAVAN,
            CENTRE,
            targets=TARGETS,
            categories=CATEGORIES,
            window=("2025-01-01", "2025-12-31"),
        )
    )
    assert d == pack


# --- Input errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sex": ["F", "X", "F", "M", "F", "M"]}, "unknown sex 'X'"),
        ({"age_band": ["18-24", "40+", "x", "x", "x", "x"]}, "unknown age band"),
        ({"applied": [True]}, "different lengths"),
        ({"marks_present": [11, 5, 10, 0, 0, 0]}, "marks_present above marks_total"),
        ({"jobs_created": [1.5, 0, 0, 0, 0, 0]}, "bad jobs_created"),
        ({"mentoring_hours": [NAN, 0, 0, 0, 0, 0]}, "bad mentoring_hours"),
    ],
)
def test_inconsistent_youth_input(change, message):
    y = youth_of(ROWS)
    for k, v in change.items():
        setattr(y, k, v)
    with pytest.raises(ValueError, match=message):
        compute(y, CARAVAN, CENTRE)


def test_inconsistent_caravan_and_centre_input():
    bad = CaravanFacts(["c1"], ["urban"], ["lycee"], ["2025-Q1"], ["G"], [1], [3])
    with pytest.raises(ValueError, match="caravan facts: unknown sex"):
        compute(youth_of(ROWS), bad, CENTRE)
    bad = CaravanFacts(["c1"], ["urban"], ["lycee"], ["2025-Q1"], ["F"], [1, 2], [3])
    with pytest.raises(ValueError, match="different lengths"):
        compute(youth_of(ROWS), bad, CENTRE)
    centre = CentreFacts({"2025-Q1": -1.0}, {}, 0, 0, 0, {}, 0)
    with pytest.raises(ValueError, match="occupancy_hours"):
        compute(youth_of(ROWS), CARAVAN, centre)


# --- Records behind a figure ---------------------------------------------------------------


def test_members():
    y = youth_of(ROWS)
    assert members(y, "enrolled") == {"numerator": [1, 2, 3, 6]}
    assert members(y, "enrolled", "sex", "F") == {"numerator": [1, 2]}
    assert members(y, "applicants", "programme", "none") == {"numerator": [4, 5]}
    assert members(y, "completion_rate") == {"numerator": [1, 6], "denominator": [1, 2, 6]}
    assert members(y, "insertion_rate_6", "sex", "M") == {"numerator": [], "denominator": [6]}
    assert members(y, "attendance_rate") == {"numerator": [1, 2, 3], "denominator": [1, 2, 3]}
    assert members(y, "median_income_before") == {"numerator": [1, 3, 4, 6]}
    assert members(y, "jobs_created") == {"numerator": [1, 6]}
    assert members(y, "enrolled", "commune", "c3") == {"numerator": []}
    for code in ("caravan_pupils", "schools_reached", "occupancy_rate", "cost_per_beneficiary"):
        with pytest.raises(ValueError, match="not about youth"):
            members(y, code)
    with pytest.raises(ValueError, match="unknown indicator"):
        members(y, "nope")
    with pytest.raises(ValueError, match="not broken down by 'level'"):
        members(y, "enrolled", "level", "lycee")


# --- Protection on hand-made tables --------------------------------------------------------


def enrolled_rows(counts: dict[tuple[str, str], int]):
    """Enrolled youth: `counts[(sex, commune)]` of them."""
    rows, pid = [], 0
    for (sex, commune), k in counts.items():
        for _ in range(k):
            pid += 1
            rows.append(person(pid, sex, "18-24", commune, "p1", "2025-Q1", "applied enrolled"))
    return rows


def protected(rows, **kw):
    categories = {"commune": ["c1", "c2", "c3", "c4"], "programme": ["p1"]}
    categories["period"] = ["2025-Q1"]
    raw = compute(youth_of(rows), CaravanFacts(*[[]] * 7), CENTRE, categories=categories)
    return pack_to_dict(protect(raw, **kw))


def displays(d, code, dim):
    return [c["display"] for c in fig(d, code)["by"][dim]]


def test_small_cell_and_its_complement_are_hidden():
    d = protected(enrolled_rows({("F", "c1"): 3, ("M", "c1"): 50}), hierarchy=HIERARCHY)
    assert d["protected"] is True
    assert fig(d, "enrolled")["display"] == "53"
    # F (3) is small; M alone would give it back as 53 - M.
    assert displays(d, "enrolled", "sex") == ["<5", "x"]
    m = cell(d, "enrolled", "sex", "M")
    assert (m["value"], m["numerator"], m["denominator"], m["n"]) == (None, None, None, None)
    assert all(recoverable_cells(i, HIERARCHY) == [] for i in d["indicators"])


def test_zero_cells_are_small_cells_too():
    d = protected(enrolled_rows({("F", "c1"): 20, ("M", "c1"): 30}), hierarchy=HIERARCHY)
    # c2..c4 are 0: "<5"; with c1 published they would sum to 0, so c1 is hidden too.
    assert displays(d, "enrolled", "commune") == ["x", "<5", "<5", "<5"]
    assert displays(d, "enrolled", "area") == ["x", "<5"]
    assert displays(d, "enrolled", "sex") == ["20", "30"]
    assert fig(d, "enrolled")["display"] == "50"


def test_bounds_pin_a_cell_when_the_total_is_five():
    # F = 0 is small; M = 5 must be hidden too; then F + M = 5 with M >= 5 pins F = 0: the
    # only way out is to withhold the total.
    d = protected(enrolled_rows({("M", "c1"): 5}), hierarchy=HIERARCHY)
    assert displays(d, "enrolled", "sex") == ["<5", "x"]
    assert fig(d, "enrolled")["display"] == "x"
    assert fig(d, "enrolled")["value"] is None
    assert all(recoverable_cells(i, HIERARCHY) == [] for i in d["indicators"])


def test_a_total_below_the_threshold_hides_everything():
    d = protected(enrolled_rows({("F", "c1"): 2, ("M", "c2"): 2}))
    assert fig(d, "enrolled")["display"] == "<5"
    assert set(displays(d, "enrolled", "sex")) == {"<5"}
    assert fig(d, "cost_per_beneficiary")["display"] == "<5"


def test_communes_nest_in_areas():
    # c1 (urban) has 3, c4 (urban) 20, c2 (rural) 30. Hiding c1 and another commune is not
    # enough when the areas are published: urban - c4 gives c1 back.
    counts = {("F", "c1"): 3, ("F", "c4"): 20, ("M", "c2"): 30}
    d = protected(enrolled_rows(counts), hierarchy=HIERARCHY)
    by = {c["category"]: c["display"] for c in fig(d, "enrolled")["by"]["commune"]}
    assert by["c1"] == "<5" and by["c4"] == "x"
    assert all(recoverable_cells(i, HIERARCHY) == [] for i in d["indicators"])
    # Audited without the hierarchy is weaker, with it holds.
    plain = protected(enrolled_rows(counts))
    assert any(recoverable_cells(i, HIERARCHY) for i in plain["indicators"])


def test_rates_hide_numerator_and_denominator_and_follow_their_counts():
    rows = enrolled_rows({("F", "c1"): 8, ("M", "c1"): 40})
    for r in rows:
        r["ended"] = True
        r["completed"] = r["sex"] == "M" or r["person_id"] <= 3  # 3 women complete
    d = protected(rows, hierarchy=HIERARCHY)
    f = cell(d, "completion_rate", "sex", "F")
    assert (f["value"], f["numerator"], f["denominator"], f["display"]) == (None, None, None, "<5")
    assert cell(d, "completion_rate", "sex", "M")["display"] == "x"
    # `completed` counts the same people as the rate's numerator: hidden alike.
    assert displays(d, "completed", "sex") == ["<5", "x"]


def test_cells_shared_with_another_indicator_share_their_fate():
    # Programme p1: 3 enrolled applicants, p2: 20, "none": 40 applicants not enrolled.
    rows = enrolled_rows({("F", "c1"): 23})
    for r in rows[:3]:
        r["programme"] = "p1"
    for r in rows[3:]:
        r["programme"] = "p2"
    rows += [person(100 + i, "M", "18-24", "c2", "none", "2025-Q1", "applied") for i in range(40)]
    categories = {"commune": ["c1", "c2", "c3", "c4"], "programme": ["p1", "p2", "none"]}
    raw = compute(youth_of(rows), CaravanFacts(*[[]] * 7), CENTRE, categories=categories)
    d = pack_to_dict(protect(raw))
    # Applicants hide p2 as the complement of p1. Enrolled alone would publish p2 = 20, the
    # same 20 people, and give applicants' p1 back: it hides p2 too.
    assert displays(d, "applicants", "programme") == ["<5", "x", "40"]
    assert displays(d, "enrolled", "programme") == ["<5", "x", "<5"]


def test_caravan_pupil_counts_are_published_as_they_are():
    # Issue 12: pupils are counted by class, never registered as persons, so even 3 boys in a
    # commune are shown (before, every commune of the caravan map read "x").
    caravan = CaravanFacts(
        ["c1", "c1"], ["urban", "urban"], ["primaire"] * 2, ["2025-Q1"] * 2, ["F", "M"], [1, 1],
        [30, 3],
    )  # fmt: skip
    raw = compute(youth_of(ROWS), caravan, CENTRE, categories={"commune": ["c1"]})
    d = pack_to_dict(protect(raw, hierarchy={"commune": {"c1": "urban", "c2": "rural"}}))
    assert displays(d, "caravan_pupils", "sex") == ["30", "3"]
    assert fig(d, "caravan_pupils")["display"] == "33"
    assert fig(d, "caravan_girls_share")["display"] == "90.9"
    assert not any(
        c["suppressed"]
        for code in ("caravan_pupils", "caravan_girls_share")
        for cs in fig(d, code)["by"].values()
        for c in cs
    )
    assert fig(d, "schools_reached")["display"] == "1"  # schools are not persons


def test_the_cheapest_complement_is_chosen_not_the_first_candidate():
    # Issue 12: the greedy choice hid the smallest neighbour first ("outside", 9, alone in its
    # area, so hiding it forced its area, then another area, then rural communes...). The
    # cheapest protection of Sidi (3 people) is its rural neighbour c3 (12): the area "rural"
    # then gives only c2 + c3 = 15.
    hier = {"c1": "urban", "c2": "rural", "c3": "rural", "c4": "urban", "out": "outside"}
    counts = {("F", "c1"): 30, ("F", "c4"): 20, ("F", "c2"): 3, ("F", "c3"): 12, ("F", "out"): 9}
    rows = enrolled_rows({k: v for k, v in counts.items() if k[1] != "out"})
    rows += [
        {**r, "person_id": 1000 + i, "commune": "out", "area": "outside"}
        for i, r in enumerate(enrolled_rows({("F", "c1"): counts[("F", "out")]}))
    ]
    categories = {
        "commune": ["c1", "c2", "c3", "c4", "out"],
        "area": ["urban", "rural", "outside"],
        "programme": ["p1"],
        "period": ["2025-Q1"],
        "sex": ["F"],
        "age_band": ["18-24"],
    }
    raw = compute(youth_of(rows), CaravanFacts(*[[]] * 7), CENTRE, categories=categories)
    d = pack_to_dict(protect(raw, hierarchy={"commune": hier}))
    assert fig(d, "enrolled")["display"] == "74"
    assert displays(d, "enrolled", "commune") == ["30", "<5", "x", "20", "9"]
    assert displays(d, "enrolled", "area") == ["50", "15", "9"]
    assert all(recoverable_cells(i, {"commune": hier}) == [] for i in d["indicators"])


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 25), min_size=2, max_size=6),
    threshold=st.sampled_from([3, 5]),
)
def test_complementary_cells_cost_the_least_possible(counts, threshold):
    """One table (a dimension summing to a published total): the complementary cells the
    engine hides cost (people + 1 each) no more than the cheapest protection found by trying
    every subset, with the same test of what a reader can pin."""
    import itertools

    import numpy as np

    from markaz.engine import indicators as engine

    cats = tuple(f"k{i}" for i in range(len(counts)))
    values = np.array([float(sum(counts)), *map(float, counts)])
    raw = engine._Raw(
        dims=("programme",),
        cats={"programme": cats},
        tables={"value": values},
        people=("value",),
        guard="value",
        keys={"value": values},
        space="youth",
    )
    st_ = engine._structure(raw.dims, raw.cats, None)
    none = np.zeros(values.size, dtype=bool)
    hidden, primary, added, _ = engine._suppress(raw, st_, none, threshold)

    def safe(h):
        bad = engine._linear_recoverable(st_.equations, h)
        return not (bad | engine._pinned(raw, st_, raw.tables, h, primary, threshold)).any()

    assert safe(hidden)
    if hidden[0]:
        # The total itself must go only when no protection keeps it.
        for extra in itertools.product([False, True], repeat=len(counts)):
            trial = primary.copy()
            trial[1:] |= np.array(extra)
            assert trial[0] or not safe(trial)
        return
    cost = lambda h: sum(values[i] + 1 for i in np.flatnonzero(h & ~primary))  # noqa: E731
    best = min(
        cost(trial)
        for extra in itertools.product([False, True], repeat=len(counts))
        if safe(trial := primary | np.array([False, *extra]))
    )
    assert cost(hidden) == best


def test_an_indicator_whose_marks_alone_pin_a_cell_is_withheld_whole():
    # Threshold 3: F and M have 3 mentored youth each ("x": at least 3, so 6 in all) and the
    # three programmes 2 each ("<3": at most 2, so at most 6). Marks alone give every cell.
    spec = [("F", "p1"), ("F", "p2"), ("F", "none"), ("M", "p1"), ("M", "p2"), ("M", "none")]
    rows = [
        person(i, sex, "18-24", "c1", prog, "2025-Q1", mentoring_hours=1.0)
        for i, (sex, prog) in enumerate(spec)
    ]
    categories = {"programme": PROGRAMMES, "period": ["2025-Q1"], "age_band": ["18-24"]}
    raw = compute(youth_of(rows), CaravanFacts(*[[]] * 7), CENTRE, categories=categories)
    safe = protect(raw, threshold=3)
    assert "mentoring_hours" in safe.residual
    f = fig(pack_to_dict(safe), "mentoring_hours")
    assert f["display"] == "x" and f["value"] is None
    assert {c["display"] for cs in f["by"].values() for c in cs} == {"x"}


def test_data_that_do_not_nest_are_protected_without_the_relation():
    # A rural school in an urban commune: pupils by area are not the sum of their communes.
    caravan = CaravanFacts(
        ["c1", "c1", "c2"], ["urban", "rural", "rural"], ["primaire"] * 3, ["2025-Q1"] * 3,
        ["F", "F", "M"], [1, 2, 3], [20, 3, 30],
    )  # fmt: skip
    raw = compute(youth_of(ROWS), caravan, CENTRE, categories=CATEGORIES)
    d = pack_to_dict(protect(raw, hierarchy=HIERARCHY))
    assert fig(d, "caravan_pupils")["display"] == "53"
    assert recoverable_cells(fig(d, "caravan_pupils")) == []


def test_protect_rejects_bad_calls():
    raw = compute(youth_of(ROWS), CARAVAN, CENTRE)
    with pytest.raises(ValueError, match="threshold"):
        protect(raw, threshold=1)
    with pytest.raises(ValueError, match="only communes nest"):
        protect(raw, hierarchy={"area": {}})
    with pytest.raises(ValueError, match="commune 'c2' has no area"):
        protect(raw, hierarchy={"commune": {"c1": "urban"}})
    done = protect(raw)
    with pytest.raises(ValueError, match="not a protected one"):
        protect(done)


def test_recoverable_cells_finds_an_unprotected_cell():
    ind = {
        "code": "enrolled",
        "value": 53,
        "n": 53,
        "display": "53",
        "suppressed": False,
        "by": {
            "sex": [
                {"category": "F", "value": None, "n": None, "display": "<5", "suppressed": True},
                {"category": "M", "value": 50, "n": 50, "display": "50", "suppressed": False},
            ]
        },
    }
    assert recoverable_cells(ind) == [("sex", "F")]
    ind["by"]["sex"][1].update(value=None, n=None, display="x", suppressed=True)
    assert recoverable_cells(ind) == []
    ind.update(value=5, n=5, display="5")  # F + M = 5 with M >= 5: F = 0
    assert recoverable_cells(ind) == [("sex", "F"), ("sex", "M")]


# --- Property: every figure equals a naive computation -------------------------------------

COMMUNES = sorted(HIER)
PROGRAMMES = ["p1", "p2", "none"]
PERIODS = ["2025-Q1", "2025-Q2"]


def youth_rows(max_size, marks=10, jobs=3, half_hours=True):
    hours = st.integers(0, 8).map(lambda h: h / 2 if half_hours else float(h))
    income = st.one_of(
        st.just(NAN), st.integers(0, 6000).map(float), st.floats(0, 6000, allow_nan=False)
    )
    one = st.fixed_dictionaries(
        {
            "sex": st.sampled_from(["F", "M"]),
            "age_band": st.sampled_from(AGE_BANDS),
            "commune": st.sampled_from(COMMUNES),
            "programme": st.sampled_from(PROGRAMMES),
            "period": st.sampled_from(PERIODS),
            **{f: st.booleans() for f in FLAGS},
            "income_before": income,
            "income_after": income,
            "jobs_created": st.integers(0, jobs),
            "mentoring_hours": hours,
            "marks": st.integers(0, marks).flatmap(
                lambda t: st.tuples(st.integers(0, t), st.just(t))
            ),
        }
    )

    def finish(rows):
        out = []
        for i, r in enumerate(rows):
            r = dict(r)
            r["marks_present"], r["marks_total"] = r.pop("marks")
            r["person_id"] = 100 + i
            r["area"] = HIER[r["commune"]]
            out.append(r)
        return out

    return st.lists(one, max_size=max_size).map(finish)


def caravan_rows(max_size):
    one = st.fixed_dictionaries(
        {
            "school_id": st.integers(1, 6),
            "period": st.sampled_from(PERIODS),
            "sex": st.sampled_from(["F", "M"]),
            "pupils": st.integers(0, 12),
        }
    )
    return st.lists(one, max_size=max_size)


SCHOOLS = {  # school -> commune, level
    1: ("c1", "primaire"),
    2: ("c1", "college"),
    3: ("c2", "primaire"),
    4: ("c3", "lycee"),
    5: ("c4", "primaire"),
    6: ("c2", "college"),
}


def caravan_of(rows) -> CaravanFacts:
    return CaravanFacts(
        commune=[SCHOOLS[r["school_id"]][0] for r in rows],
        area=[HIER[SCHOOLS[r["school_id"]][0]] for r in rows],
        level=[SCHOOLS[r["school_id"]][1] for r in rows],
        period=[r["period"] for r in rows],
        sex=[r["sex"] for r in rows],
        school_id=[r["school_id"] for r in rows],
        pupils=[r["pupils"] for r in rows],
    )


def rate(num, den):
    return round(100 * num / den, 1) if den else None


def naive_youth(code, rows):
    """(value, numerator, denominator, n) of a youth indicator over `rows`, by loops."""
    counts = {
        "applicants": lambda r: r["applied"],
        "eligible": lambda r: r["applied"] and r["eligible"],
        "enrolled": lambda r: r["enrolled"],
        "completed": lambda r: r["completed"],
        "certified": lambda r: r["certified"],
        "businesses_created": lambda r: r["business_created"],
    }
    rates = {
        "completion_rate": (lambda r: r["completed"] and r["ended"], lambda r: r["ended"]),
        "reach_rate_6": (lambda r: r["due6"] and r["reached6"], lambda r: r["due6"]),
        "insertion_rate_6": (lambda r: r["reached6"] and r["inserted6"], lambda r: r["reached6"]),
        "reach_rate_12": (lambda r: r["due12"] and r["reached12"], lambda r: r["due12"]),
        "insertion_rate_12": (
            lambda r: r["reached12"] and r["inserted12"],
            lambda r: r["reached12"],
        ),
    }
    if code in counts:
        k = sum(1 for r in rows if counts[code](r))
        return k, None, None, k
    if code in rates:
        num = sum(1 for r in rows if rates[code][0](r))
        den = sum(1 for r in rows if rates[code][1](r))
        return rate(num, den), num, den, den
    if code == "attendance_rate":
        enrolled = [r for r in rows if r["enrolled"]]
        num = sum(r["marks_present"] for r in enrolled)
        den = sum(r["marks_total"] for r in enrolled)
        return rate(num, den), num, den, sum(1 for r in enrolled if r["marks_total"] > 0)
    if code.startswith("median_income_"):
        col = "income_" + code.rsplit("_", 1)[1]
        vals = [r[col] for r in rows if not math.isnan(r[col])]
        return (round(statistics.median(vals), 2) if vals else None), None, None, len(vals)
    if code == "jobs_created":
        n = sum(1 for r in rows if r["business_created"])
        return sum(r["jobs_created"] for r in rows), None, None, n
    if code == "mentoring_hours":
        n = sum(1 for r in rows if r["mentoring_hours"] > 0)
        return round(sum(r["mentoring_hours"] for r in rows), 2), None, None, n
    raise AssertionError(code)


def naive_caravan(code, rows, centre, dim=None, category=None):
    reached = [r for r in rows if r["pupils"] > 0]
    if code == "caravan_pupils":
        k = sum(r["pupils"] for r in rows)
        return k, None, None, k
    if code == "caravan_girls_share":
        girls = sum(r["pupils"] for r in rows if r["sex"] == "F")
        pupils = sum(r["pupils"] for r in rows)
        return rate(girls, pupils), girls, pupils, pupils
    if code == "schools_reached":
        k = len({r["school_id"] for r in reached})
        return k, None, None, k
    if code == "schools_reached_share":
        k = len({r["school_id"] for r in reached})
        den = centre.schools_total if dim is None else centre.schools_by[dim].get(category, 0)
        return rate(k, den), k, den, k
    if code == "communes_reached":
        k = len({SCHOOLS[r["school_id"]][0] for r in reached})
        return k, None, None, k
    raise AssertionError(code)


def caravan_value(r, dim):
    commune, level = SCHOOLS[r["school_id"]]
    return {"commune": commune, "area": HIER[commune], "level": level}.get(dim, r.get(dim))


NAIVE_CENTRE = CentreFacts(
    {"2025-Q1": 10.0}, {"2025-Q1": 40.0, "2025-Q2": 40.0}, 1000.0, 500.0, 9,
    {"commune": {"c1": 3, "c2": 2}, "area": {"urban": 5}, "level": {"primaire": 4}}, 16,
)  # fmt: skip
ADDITIVE = {"count": ("value", "n"), "sum": ("value", "n"), "rate": ("numerator", "denominator")}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(youth=youth_rows(200), caravan=caravan_rows(40))
def test_every_figure_equals_a_naive_computation(youth, caravan):
    d = pack_to_dict(compute(youth_of(youth), caravan_of(caravan), NAIVE_CENTRE))
    for ind in d["indicators"]:
        code = ind["code"]
        if code in ("occupancy_rate", "cost_per_beneficiary", "running_cost_per_beneficiary"):
            continue
        caravan_code = code in {
            "caravan_pupils", "caravan_girls_share", "schools_reached", "schools_reached_share",
            "communes_reached",
        }  # fmt: skip
        total = (ind["value"], ind["numerator"], ind["denominator"], ind["n"])
        if caravan_code:
            assert total == naive_caravan(code, caravan, NAIVE_CENTRE), code
        else:
            assert total == naive_youth(code, youth), code
        for dim, cells in ind["by"].items():
            for c in cells:
                got = (c["value"], c["numerator"], c["denominator"], c["n"])
                if caravan_code:
                    sub = [r for r in caravan if caravan_value(r, dim) == c["category"]]
                    want = naive_caravan(code, sub, NAIVE_CENTRE, dim, c["category"])
                else:
                    want = naive_youth(code, [r for r in youth if r[dim] == c["category"]])
                assert got == want, (code, dim, c["category"])
            # Additive figures: the cells of every dimension add up to the total.
            if code in ("schools_reached", "communes_reached", "schools_reached_share"):
                continue  # distinct counts and register denominators: checked cell by cell
            for field in ADDITIVE.get(ind["kind"], ()) + (
                ("n",) if ind["kind"] == "median" else ()
            ):
                assert sum(c[field] for c in cells) == pytest.approx(ind[field], abs=1e-9), (
                    code, dim, field,
                )  # fmt: skip
    occ = fig(d, "occupancy_rate")
    assert (occ["value"], [c["value"] for c in occ["by"]["period"]]) == (12.5, [25.0, 0.0])


# --- Property: an attacker cannot pin a hidden cell ----------------------------------------

# Per protected indicator: the published additive figures, which count people, and the one
# that "<t" bounds (the attacker's reading of the marks, written from the documentation).
PEOPLE_COUNT = {"value": (True, True)}
PUBLISHED = {
    **dict.fromkeys(["applicants", "eligible", "enrolled", "completed"], PEOPLE_COUNT),
    "certified": PEOPLE_COUNT,
    "businesses_created": PEOPLE_COUNT,
    "jobs_created": {"value": (False, False), "n": (True, True)},
    "mentoring_hours": {"value": (False, False), "n": (True, True)},
    "attendance_rate": {
        "numerator": (False, False),
        "denominator": (False, False),
        "n": (True, True),
    },
    "median_income_before": {"n": (True, True)},
    "median_income_after": {"n": (True, True)},
    "cost_per_beneficiary": {"n": (True, True)},
    "running_cost_per_beneficiary": {"n": (True, True)},
}
for _code in [
    "completion_rate", "reach_rate_6", "insertion_rate_6", "reach_rate_12", "insertion_rate_12",
]:  # fmt: skip
    PUBLISHED[_code] = {"numerator": (True, True), "denominator": (True, False)}


def choices(options, target):
    """For lists of allowed integers, one per position: per position the values it takes in
    some choice summing to `target`, or None when no choice does. Plain set enumeration."""
    prefix = [{0}]
    for opts in options:
        prefix.append({a + v for a in prefix[-1] for v in opts if a + v <= target})
    if target not in prefix[-1]:
        return None
    suffix = [{0}]
    for opts in reversed(options):
        suffix.append({a + v for a in suffix[-1] for v in opts if a + v <= target})
    suffix.reverse()
    out = []
    for i, opts in enumerate(options):
        rest = {a + b for a in prefix[i] for b in suffix[i + 1]}
        out.append({v for v in opts if target - v in rest})
    return out


def attack(ind, field, people, guard, t, cap, hier):
    """Every value each figure of one published table can take, given everything published:
    visible figures, totals, "dimension sums to the total", "communes sum to their area",
    "<t" (0..t-1) and "x" (at least t for people counts). Exhaustive over integers <= cap."""

    def allowed(c):
        if not c["suppressed"]:
            return [int(c[field])]
        lo, hi = 0, cap
        if c["display"].startswith("<"):
            hi = t - 1 if guard else cap
        elif people:
            lo = t
        return list(range(lo, hi + 1))

    by = ind["by"]
    nested = hier is not None and "commune" in by and "area" in by
    seen = {("total", None): set()} | {(d, c["category"]): set() for d in by for c in by[d]}
    per_area = {}
    if nested:
        for a in by["area"]:
            kids = [c for c in by["commune"] if hier[c["category"]] == a["category"]]
            per_area[a["category"]] = (
                kids,
                {y: choices([allowed(k) for k in kids], y) for y in allowed(a)},
            )
    for total in allowed(ind):
        found, ok = {}, True
        for d, cells in by.items():
            if nested and d == "commune":
                continue
            if nested and d == "area":
                options = [
                    [y for y, ks in per_area[a["category"]][1].items() if ks is not None]
                    for a in cells
                ]
            else:
                options = [allowed(c) for c in cells]
            res = choices(options, total)
            if res is None:
                ok = False
                break
            for c, values in zip(cells, res, strict=True):
                found[(d, c["category"])] = values
                if nested and d == "area":
                    kids, split = per_area[c["category"]]
                    for y in values:
                        for k, vs in zip(kids, split[y], strict=True):
                            found.setdefault(("commune", k["category"]), set()).update(vs)
        if ok:
            seen[("total", None)].add(total)
            for key, values in found.items():
                seen[key] |= values
    return seen


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    youth=youth_rows(30, marks=2, jobs=1, half_hours=False),
    caravan=caravan_rows(8),
    threshold=st.sampled_from([3, 5]),
    nested=st.booleans(),
)
def test_no_suppressed_cell_can_be_pinned(youth, caravan, threshold, nested):
    hier = HIER if nested else None
    categories = {"commune": COMMUNES, "programme": PROGRAMMES, "period": PERIODS}
    small = {"sex": ["F", "M"], "age_band": ["18-24", "other"], **categories}
    for r in youth:
        r["age_band"] = "18-24" if r["age_band"] in ("18-24", "25-29") else "other"
    raw = compute(youth_of(youth), caravan_of(caravan), NAIVE_CENTRE, categories=small)
    truth = {i["code"]: i for i in pack_to_dict(raw)["indicators"]}
    hierarchy = {"commune": hier} if hier else None
    safe = protect(raw, threshold=threshold, hierarchy=hierarchy)
    d = pack_to_dict(safe)
    for ind in d["indicators"]:
        code = ind["code"]
        if code not in PUBLISHED:
            assert not ind["suppressed"]  # schools, communes, occupancy: not about persons
            continue
        if code in safe.residual:  # withheld whole, without the marks
            assert ind["display"] == "x"
            assert all(c["display"] == "x" for cs in ind["by"].values() for c in cs)
            continue
        cells = [ind] + [c for cs in ind["by"].values() for c in cs]
        true_cells = [truth[code]] + [c for cs in truth[code]["by"].values() for c in cs]
        for c, true in zip(cells, true_cells, strict=True):
            if c["suppressed"]:
                assert c["display"] in (f"<{threshold}", "x")
                assert all(c[k] is None for k in ("value", "numerator", "denominator", "n"))
            else:
                assert {k: v for k, v in c.items() if k != "by"} == {
                    k: v for k, v in true.items() if k != "by"
                }
                for field, (people, _) in PUBLISHED[code].items():
                    assert not people or c[field] >= threshold, (code, c)
        assert recoverable_cells(ind, hierarchy, threshold=threshold) == [], code
        for field, (people, guard) in PUBLISHED[code].items():
            cap = int(true_cells[0][field] or 0) + 2 * threshold + 2
            seen = attack(ind, field, people, guard, threshold, cap, hier)
            labels = [("total", None)] + [
                (dm, c["category"]) for dm in ind["by"] for c in ind["by"][dm]
            ]
            for label, c, true in zip(labels, cells, true_cells, strict=True):
                assert int(true[field] or 0) in seen[label], (code, field, label)
                if c["suppressed"]:
                    assert len(seen[label]) > 1, (code, field, label, seen[label])
