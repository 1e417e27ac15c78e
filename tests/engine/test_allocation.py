import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from markaz.engine.allocation import (
    Applicant,
    ApplicantArrays,
    Cohort,
    Instance,
    Reserve,
    ValidationError,
    allocate,
    allocate_arrays,
    lottery_numbers,
    parse_instance,
)

ROOT = Path(__file__).resolve().parents[2]


def app(aid: str, score: float, *prefs: str, groups: tuple[str, ...] = ()) -> Applicant:
    return Applicant(aid, score, prefs, frozenset(groups))


def run(applicants, cohorts, seed: int = 0):
    return allocate(Instance(tuple(applicants), tuple(cohorts), seed))


# ------------------------------------------------------------------------------ precedence

# Dur, Kominers, Pathak, Sönmez (2018): with reserved slots first, the top women take the
# reserved seats and then compete again for the open ones, so the group gets fewer seats.
DUR = [
    app("w1", 10, "c", groups=("women",)),
    app("m1", 9, "c"),
    app("w2", 8, "c", groups=("women",)),
]


@pytest.mark.parametrize(
    ("precedence", "assignment", "slots", "women_seats"),
    [
        ("open_first", {"w1": "c", "m1": None, "w2": "c"}, {"w1": "open", "w2": "women"}, 2),
        ("reserved_first", {"w1": "c", "m1": "c", "w2": None}, {"w1": "women", "m1": "open"}, 1),
    ],
)
def test_precedence_open_first_gives_the_group_more_seats(
    precedence, assignment, slots, women_seats
) -> None:
    r = run(DUR, [Cohort("c", 2, (Reserve("women", 1),), precedence)])
    assert r.assignment == assignment
    assert r.slot_of == slots
    assert sum(1 for a in DUR if r.assignment[a.id] and "women" in a.groups) == women_seats


def test_reserved_first_listed_order_matters() -> None:
    # Two reserved slots; x belongs to both groups. The first listed reserve takes x.
    people = [app("x", 10, "c", groups=("women", "rural")), app("r", 5, "c", groups=("rural",))]
    rural_first = Cohort("c", 2, (Reserve("rural", 1), Reserve("women", 1)), "reserved_first")
    women_first = Cohort("c", 2, (Reserve("women", 1), Reserve("rural", 1)), "reserved_first")
    assert run(people, [rural_first]).slot_of == {"x": "rural", "r": "women"}
    assert run(people, [women_first]).slot_of == {"x": "women", "r": "rural"}
    fill = run(people, [rural_first]).reserve_fill["c"]
    assert fill == {
        "rural": {"reserved": 1, "members": 1, "others": 0},
        "women": {"reserved": 1, "members": 0, "others": 1},
    }


def test_soft_reserve_shortfall_goes_to_others() -> None:
    people = [
        app("m1", 15, "c"),
        app("m2", 14, "c"),
        app("m3", 13, "c"),
        app("w1", 9, "c", groups=("women",)),
        app("m4", 12, "c"),
    ]
    r = run(people, [Cohort("c", 3, (Reserve("women", 2),))])
    # one open seat (m1), two women seats: w1 first, then the best remaining (m2)
    assert r.assignment == {"m1": "c", "m2": "c", "m3": None, "w1": "c", "m4": None}
    assert r.slot_of == {"m1": "open", "w1": "women", "m2": "women"}
    assert r.reserve_fill == {"c": {"women": {"reserved": 2, "members": 1, "others": 1}}}
    assert r.cutoffs == {"c": {"open": 15.0, "women": 9.0}}
    assert r.waitlists == {"c": ["m3", "m4"]}
    assert r.waitlist("c", "women") == ["m3", "m4"]


def test_reserves_without_demand_and_empty_cohorts() -> None:
    r = run(
        [app("a", 10, "full", "none"), app("b", 9, "full", "none")],
        [Cohort("full", 1, (Reserve("rural", 1),)), Cohort("none", 0)],
    )
    assert r.assignment == {"a": "full", "b": None}
    assert r.slot_of == {"a": "rural"}
    assert r.cutoffs == {"full": {"open": None, "rural": 10.0}, "none": {"open": None}}
    assert r.waitlists == {"full": ["b"], "none": ["b"]}  # a got her first choice


def test_applicant_in_two_groups_counts_once() -> None:
    people = [app("both", 10, "c", groups=("women", "rural")), app("w", 9, "c", groups=("women",))]
    # No open seat: "both" takes the first listed reserve, leaving the women's seat to w.
    cohort = Cohort("c", 2, (Reserve("rural", 1), Reserve("women", 1)), "open_first")
    r = run(people, [cohort])
    assert r.slot_of == {"both": "rural", "w": "women"}
    assert r.reserve_fill["c"]["rural"] == {"reserved": 1, "members": 1, "others": 0}
    # One open seat: "both" takes it; the rural seat has no member left and goes to w.
    r = run(people, [Cohort("c", 3, cohort.reserves)])
    assert r.slot_of == {"both": "open", "w": "rural"}
    assert r.reserve_fill["c"]["rural"] == {"reserved": 1, "members": 0, "others": 1}
    assert r.reserve_fill["c"]["women"] == {"reserved": 1, "members": 0, "others": 0}


# ------------------------------------------------------------------------------ lottery


def test_lottery_is_the_documented_permutation_and_breaks_ties() -> None:
    ids = ["b", "a", "c"]
    perm = np.random.default_rng(7).permutation(3)
    assert lottery_numbers(ids, 7).tolist() == [int(perm[1]), int(perm[0]), int(perm[2])]
    winners = set()
    for seed in range(12):
        r = run([app("x", 12, "c"), app("y", 12, "c")], [Cohort("c", 1)], seed)
        winner = min(("x", "y"), key=r.lottery.__getitem__)
        assert r.assignment[winner] == "c"
        assert r.seed == seed
        winners.add(winner)
    assert winners == {"x", "y"}


def test_same_seed_same_result_whatever_the_input_order() -> None:
    people = [app(f"a{i}", i % 3, "c1", "c2") for i in range(10)]
    cohorts = [Cohort("c1", 3), Cohort("c2", 2, (Reserve("g", 1),))]
    first = run(people, cohorts, 5)
    second = run(reversed(people), reversed(cohorts), 5)
    assert first.to_dict() == second.to_dict()
    assert run(people, cohorts, 6).lottery != first.lottery


def test_score_beats_lottery() -> None:
    r = run([app("low", 11.99, "c"), app("high", 12, "c")], [Cohort("c", 1)], 3)
    assert r.assignment == {"low": None, "high": "c"}


# ------------------------------------------------------------------------------ explanations


def test_explanations_placed_and_unplaced() -> None:
    people = [
        app("x", 14.2, "C1"),
        app("w", 13.9, "C1", groups=("women",)),
        app("me", 13.8, "C1", "C2", groups=("women",)),
        app("out", 13, "C1", "C2"),
    ]
    cohorts = [Cohort("C1", 2, (Reserve("women", 1),)), Cohort("C2", 1)]
    r = run(people, cohorts)
    assert r.explain("me") == {
        "fr": "Placé·e dans votre 2e choix (C2), sur une place ouverte. Dans votre 1er choix "
        "(C1), le dernier score admis était 14.2 sur les places ouvertes et 13.9 sur les "
        "places réservées « women » ; le vôtre est 13.8.",
        "ar": "تم قبولك في اختيارك الثاني (C2)، في مقعد مفتوح. في اختيارك الأول (C1) كان آخر "
        "معدل مقبول 14.2 في المقاعد المفتوحة و13.9 في المقاعد المخصصة «women»؛ معدلك 13.8.",
    }
    # "out" is not a woman: only the open cutoff concerns her.
    assert r.explain("out") == {
        "fr": "Non placé·e : dans chacun de vos choix, le dernier score admis était supérieur "
        "au vôtre (13) : C1 14.2 (places ouvertes), C2 13.8 (places ouvertes).",
        "ar": "لم يتم قبولك: في كل اختياراتك كان آخر معدل مقبول أعلى من معدلك (13): "
        "C1 14.2 (المقاعد المفتوحة)، C2 13.8 (المقاعد المفتوحة).",
    }
    assert r.explain("w")["fr"] == (
        "Placé·e dans votre 1er choix (C1), sur une place réservée « women »."
    )
    labels = {"C2": {"fr": "Codage web", "ar": "برمجة الويب"}}
    assert "(Codage web)" in r.explain("me", labels)["fr"]
    assert "(برمجة الويب)" in r.explain("me", labels)["ar"]
    assert set(r.explanations) == {a.id for a in people}


def test_explanation_of_a_reserved_seat_taken_by_a_non_member() -> None:
    """No woman ranked C1: its seat reserved for women goes to the next best, who is told the
    group left it, not that they hold a seat "reserved for women"."""
    people = [app("a", 6, "C1"), app("b", 4, "C1"), app("c", 1, "C1")]
    r = run(people, [Cohort("C1", 2, (Reserve("women", 1),))])
    assert r.assignment == {"a": "C1", "b": "C1", "c": None}
    assert r.slot_of["b"] == "women"
    assert r.explain("b") == {
        "fr": "Placé·e dans votre 1er choix (C1), sur une place réservée « women », qu'aucun "
        "membre de ce groupe n'a demandée.",
        "ar": "تم قبولك في اختيارك الأول (C1)، في مقعد مخصص «women» لم يطلبه أي فرد من هذه الفئة.",
    }


def test_explanation_mentions_the_lottery_on_equal_scores() -> None:
    for seed in range(5):
        r = run(
            [app("x", 12, "c", "d"), app("y", 12, "c", "d")], [Cohort("c", 1), Cohort("d", 1)], seed
        )
        loser = "x" if r.assignment["x"] == "d" else "y"
        assert "à score égal, départagé·e par le tirage au sort" in r.explain(loser)["fr"]
        assert "القرعة" in r.explain(loser)["ar"]
    r = run([app("x", 12, "c"), app("y", 12, "c")], [Cohort("c", 1)])
    loser = "x" if r.assignment["x"] is None else "y"
    assert "supérieur ou égal" in r.explain(loser)["fr"]
    assert "tirage au sort" in r.explain(loser)["fr"]


def test_explanation_when_nothing_was_ranked() -> None:
    r = run([app("lazy", 20)], [Cohort("c", 1)])
    assert r.assignment == {"lazy": None}
    assert "Aucun choix indiqué" in r.explain("lazy")["fr"]
    assert "لم تحدد أي اختيار" in r.explain("lazy")["ar"]
    with pytest.raises(KeyError):
        r.explain("nobody")


# ------------------------------------------------------------------------------ API details


def test_allocate_arrays_matches_allocate_and_reports_progress() -> None:
    people = [
        app(f"a{i}", (i * 7) % 5, "c1", "c2", groups=("g",) if i % 2 else ()) for i in range(20)
    ]
    cohorts = (
        Cohort("c1", 4, (Reserve("g", 3),)),
        Cohort("c2", 5, (Reserve("g", 2),), "reserved_first"),
    )
    seen: list[float] = []
    r = allocate(Instance(tuple(people), cohorts, 11), progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen) and all(0 <= x <= 1 for x in seen)
    arrays = ApplicantArrays.from_applicants(people, [c.id for c in cohorts])
    assert allocate_arrays(arrays, cohorts, 11).to_dict() == r.to_dict()


def test_to_dict_is_json_with_every_key() -> None:
    r = run([app("a", 1, "c")], [Cohort("c", 1)])
    d = json.loads(json.dumps(r.to_dict()))
    assert set(d) == {
        "assignment", "slots", "cutoffs", "reserve_fill", "waitlists", "explanations", "seed", "lottery",
    }  # fmt: skip
    assert d["assignment"] == {"a": "c"} and d["seed"] == 0 and d["lottery"] == {"a": 0}


def test_empty_instance() -> None:
    r = run([], [])
    assert r.to_dict()["assignment"] == {}


# ------------------------------------------------------------------------------ validation

GOOD = {
    "seed": 7,
    "applicants": [
        {"id": "a1", "score": 12.5, "groups": ["women", "rural"], "preferences": ["c3", "c1"]},
        {"id": "a2", "score": 14, "preferences": ["c1"]},
        {"id": "a3", "score": 11, "preferences": []},
    ],
    "cohorts": [
        {"id": "c1", "seats": 2, "precedence": "open_first",
         "reserves": [{"group": "women", "seats": 1}, {"group": "rural", "seats": 1}]},
        {"id": "c3", "seats": 1},
    ],
}  # fmt: skip


def malformed(path: str, value=None, delete: bool = False) -> dict:
    """GOOD with one change: ``path`` like "applicants.0.score"."""
    data = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    key = int(last) if last.isdigit() else last
    if delete:
        del node[key]
    else:
        node[key] = value
    return data


BAD = [
    ("unknown cohort", malformed("applicants.1.preferences", ["c9"]), "unknown cohort 'c9'"),
    ("negative seats", malformed("cohorts.1.seats", -1), "negative seats"),
    (
        "reserves above seats",
        malformed("cohorts.0.seats", 1),
        "reserves sum to 2, above its 1 seats",
    ),
    ("negative reserve", malformed("cohorts.0.reserves.0.seats", -2), "negative seats"),
    ("duplicate applicant", malformed("applicants.1.id", "a1"), "duplicate applicant id 'a1'"),
    ("duplicate cohort", malformed("cohorts.1.id", "c1"), "duplicate cohort id 'c1'"),
    ("repeated preference", malformed("applicants.0.preferences", ["c1", "c1"]), "appears twice"),
    ("unknown precedence", malformed("cohorts.0.precedence", "women_first"), "unknown precedence"),
    ("string score", malformed("applicants.0.score", "12"), "score must be a finite number"),
    ("boolean score", malformed("applicants.0.score", True), "score must be a finite number"),
    ("NaN score", malformed("applicants.0.score", float("nan")), "score must be a finite number"),
    ("missing score", malformed("applicants.0.score", delete=True), "missing key 'score'"),
    ("missing seats", malformed("cohorts.0.seats", delete=True), "missing key 'seats'"),
    ("missing cohorts", malformed("cohorts", delete=True), "missing key 'cohorts'"),
    ("integer applicant id", malformed("applicants.0.id", 1), "id must be a string"),
    ("integer cohort id", malformed("cohorts.1.id", 3), "id must be a string"),
    ("integer preference", malformed("applicants.0.preferences", [1]), "list of strings"),
    ("unknown key", malformed("cohorts.0.reserve", []), "unknown key 'reserve'"),
    ("negative seed", malformed("seed", -1), "seed must be a non-negative integer"),
    (
        "same group reserved twice",
        malformed("cohorts.0.reserves.1.group", "women"),
        "reserved twice",
    ),
    ("not an object", [], "expected an object"),
]


def test_good_instance_parses() -> None:
    instance = parse_instance(GOOD)
    assert instance.seed == 7
    assert instance.applicants[0] == Applicant(
        "a1", 12.5, ("c3", "c1"), frozenset({"women", "rural"})
    )
    assert instance.cohorts[0].reserves == (Reserve("women", 1), Reserve("rural", 1))


@pytest.mark.parametrize(("case", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_malformed_instances_are_rejected(case: str, data, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        parse_instance(data)


@pytest.mark.parametrize(
    ("applicants", "message"),
    [
        ([app("a", float("nan"), "c")], "finite"),
        ([app("a", "12", "c")], "score must be a number"),  # type: ignore[arg-type]
        ([app("a", 1, "x")], "unknown cohort 'x'"),
        ([app("a", 1, "c", "c")], "appears twice"),
        ([app("a", 1, "c"), app("a", 2, "c")], "duplicate applicant id 'a'"),
        ([Applicant(1, 1.0, ("c",))], "id must be a string"),  # type: ignore[arg-type]
    ],
)
def test_allocate_checks_instances_built_in_code(applicants, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        run(applicants, [Cohort("c", 1)])


def test_cohorts_check_themselves() -> None:
    with pytest.raises(ValidationError, match="negative seats"):
        Cohort("c", -1)
    with pytest.raises(ValidationError, match="may not be named 'open'"):
        Reserve("open", 1)
    with pytest.raises(ValidationError, match="duplicate cohort id"):
        run([], [Cohort("c", 1), Cohort("c", 2)])


# ------------------------------------------------------------------------------ command line


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "markaz.engine.allocation", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_cli_prints_the_result(tmp_path: Path) -> None:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    proc = cli(str(path))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result == json.loads(json.dumps(allocate(parse_instance(GOOD)).to_dict()))
    assert result["assignment"] == {"a1": "c3", "a2": "c1", "a3": None}
    assert result["seed"] == 7


@pytest.mark.parametrize(
    ("case", "content", "message"),
    [
        *((case, json.dumps(data), msg) for case, data, msg in BAD[::3]),
        ("unreadable JSON", "{not json", "not valid JSON"),
        ("missing file", None, "cannot read"),
    ],
)
def test_cli_rejects_malformed_instances(tmp_path: Path, case: str, content, message: str) -> None:
    path = tmp_path / "instance.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    proc = cli(str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_cli_usage() -> None:
    proc = cli()
    assert proc.returncode == 2 and proc.stdout == "" and "usage" in proc.stderr


def test_long_preference_lists_and_many_groups() -> None:
    cohorts = [Cohort(f"c{j}", 1, (Reserve(f"g{j + 60}", 1),)) for j in range(12)]
    ids = [c.id for c in cohorts]
    with pytest.raises(ValidationError, match="'late': a cohort appears twice"):
        run([app("ok", 1, *ids), app("late", 1, *ids[:10], "c3")], cohorts)
    # 72 groups need two mask words; the member of g71 takes c11's reserved seat.
    people = [app("top", 20, "c11"), app("member", 1, "c11", groups=("g71", "g0"))]
    r = run(people, cohorts)
    assert r.assignment == {"top": None, "member": "c11"}
    assert r.slot_of == {"member": "g71"}
