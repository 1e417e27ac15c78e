"""Duplicate detection for person records, tolerant to Arabic/Latin transliteration.

Names are compared through :func:`name_key`, a script-agnostic consonant skeleton: Mohamed,
Mohammed, Muhammad and محمد all give ``"mhmd"``. A pair of records is a likely duplicate when

* both have the same CIN (score 100), or
* their names match AND they share the birth date or the phone number.

Names match, for some pairing of the records' name variants (Latin, Arabic, or one of each),
when the first-name and last-name keys are equal ("same name"); or equal once first and last
are swapped ("swapped_names"); or one part is equal and non-empty and the other part's keys have
a rapidfuzz ``ratio`` of at least :data:`SIMILARITY_THRESHOLD` ("similar name"). Every kind of
name match shares at least one non-empty part key, which is what makes blocking lossless:
:class:`DedupIndex` looks records up in dicts keyed by ``(part key, birth date)``,
``(part key, phone)`` and ``cin``, and :func:`find_duplicates` (all pairs) returns the same
matches. See ``docs/algorithms/dedup.md`` for the scores and the known collisions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import count, product
from typing import NamedTuple

from rapidfuzz.fuzz import ratio

from markaz.engine.identity import normalise_cin

__all__ = [
    "SIMILARITY_THRESHOLD",
    "DedupIndex",
    "Match",
    "PersonRecord",
    "find_duplicates",
    "name_key",
]

# Minimum rapidfuzz ratio (0..100, normalised Indel similarity) between two part keys for them to
# count as "similar". 85 admits one inserted/deleted consonant in keys of 3+ letters
# ("bdltf"/"bdtf" 88.9, "lmrn"/"mrn" 85.7) and one substituted consonant only in keys of 7+.
SIMILARITY_THRESHOLD = 85.0

# ---------------------------------------------------------------------------------------------
# name_key
# ---------------------------------------------------------------------------------------------

_ARABIC_LETTERS: dict[str, str] = {
    "ب": "b", "پ": "b",
    "ت": "t", "ط": "t", "ث": "t", "ٹ": "t",
    "ج": "j",
    "ح": "h", "ه": "h", "ھ": "h",
    "خ": "k", "ك": "k", "ق": "k", "ک": "k",
    "د": "d", "ض": "d", "ذ": "d",
    "ر": "r",
    "ز": "z", "ظ": "z",
    "س": "s", "ص": "s",
    "ش": "c", "چ": "c",
    "غ": "g", "ڭ": "g", "گ": "g",
    "ف": "f", "ڤ": "f",
    "ل": "l",
    "م": "m",
    "ن": "n",
}  # fmt: skip
# Every other Arabic-block character (alef forms, ى ة ء ئ ؤ ع و ي, digits, punctuation) is dropped.
_ARABIC_TABLE = str.maketrans({chr(c): _ARABIC_LETTERS.get(chr(c)) for c in range(0x0600, 0x0700)})
# Tokens starting with ال that are names, not article + name (commonly typed without hamza).
_ARABIC_NOT_ARTICLE = frozenset({"الياس", "الهام"})

_LATIN_ARTICLES = frozenset({"el", "al", "l"})
# Article-like tokens dropped right after "abd" ("Abd ul Kader", "Abd oul Kader").
_ABD_ARTICLES = frozenset({"el", "al", "ul", "oul", "ol", "l"})
_ABD_PREFIX = re.compile(r"abd(?:el|al|ul|oul|ol|l)")
_TOKEN = re.compile(r"[a-z]+|[\u0600-\u06ff]+")
_C_SOFT = re.compile(r"c(?=[eiy])")  # French soft c: Youcef, Lahcen, Naciri
_C_HARD = re.compile(r"c(?!h)")
_LATIN_DIGRAPHS = (
    ("sh", "c"), ("ch", "c"), ("kh", "k"), ("gh", "g"), ("dj", "j"),
    ("th", "t"), ("dh", "d"), ("ph", "f"), ("q", "k"), ("v", "f"), ("p", "b"),
)  # fmt: skip
_DROP_VOWELS = str.maketrans("", "", "aeiouyw")
_REPEATS = re.compile(r"(.)\1+")


def _latin_consonants(token: str) -> str:
    token = _C_HARD.sub("k", _C_SOFT.sub("s", token))
    for digraph, letter in _LATIN_DIGRAPHS:
        token = token.replace(digraph, letter)
    return token


def _tokens(text: str) -> Iterator[str]:
    """Yield each token of ``text`` mapped to Latin consonant classes (vowels still present)."""
    previous_abd = False
    for token in _TOKEN.findall(text):
        if token[0] >= "\u0600":  # Arabic script
            if token.startswith("عبدال") and len(token) > 5:
                token = "عبد" + token[5:]
            elif token.startswith("ال") and len(token) > 2 and token not in _ARABIC_NOT_ARTICLE:
                token = token[2:]
            yield token.translate(_ARABIC_TABLE)
            previous_abd = False
            continue
        if token in _LATIN_ARTICLES or (previous_abd and token in _ABD_ARTICLES):
            continue  # the article of "El Idrissi", "Abd el Kader", "Abd ul Kader"
        prefix = _ABD_PREFIX.match(token)
        if prefix:
            # "Abdelkader" -> "abd" + "kader": split so that no digraph spans the two parts
            # ("Abdelhadi" must not turn into "abdadi").
            yield "abd"
            token = token[prefix.end() :]
            if not token:
                previous_abd = True
                continue
        previous_abd = token == "abd"
        yield _latin_consonants(token)


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """A script-agnostic consonant skeleton of a name, equal across transliterations.

    Steps: NFKD, drop combining marks (accents, harakat, hamza marks) and tatweel, lower case;
    split into Latin and Arabic tokens; Arabic: drop a leading article ال (also after عبد),
    map letters to Latin consonant classes and drop alef/ya/waw/ʿayn/ta marbuta/hamza;
    Latin: drop article tokens (el, al, l), reduce abd+article to abd, soft c -> s, other c ->
    k, digraphs sh/ch -> c, kh -> k, gh -> g, dj -> j, th -> t, dh -> d, ph -> f, q -> k; then
    concatenate the tokens, drop vowels (a e i o u y w) and collapse repeated letters.
    ``name_key("Abd el Kader") == name_key("عبد القادر") == "bdkdr"``. Different names may
    share a key (Said/Saad, Amine/Imane, Hassan/Houssine): see docs/algorithms/dedup.md.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch != "\u0640")
    skeleton = "".join(_tokens(text.lower())).translate(_DROP_VOWELS)
    return _REPEATS.sub(r"\1", skeleton)


# ---------------------------------------------------------------------------------------------
# Records, matches, comparison
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRecord:
    """A person as dedup sees them; any field may be empty. ``phone`` is E.164, ``cin``
    normalised (it is normalised again before comparison)."""

    id: int | str
    first_latin: str = ""
    last_latin: str = ""
    first_ar: str = ""
    last_ar: str = ""
    birth_date: date | None = None
    phone: str | None = None
    cin: str | None = None


@dataclass(frozen=True)
class Match:
    """A likely duplicate of the queried record: the existing record's id, a score in 0..100
    and reason codes among "same_cin", "same_name_birth_date", "same_name_phone",
    "similar_name_birth_date", "similar_name_phone", "swapped_names"."""

    existing_id: int | str
    score: float
    reasons: tuple[str, ...]


class _Keys(NamedTuple):
    """What comparison needs from a record, computed once."""

    names: tuple[tuple[str, str], ...]  # (first key, last key) per name variant
    parts: tuple[str, ...]  # the distinct non-empty part keys, for blocking
    birth_date: date | None
    phone: str | None
    cin: str | None


def _variants(latin: str, arabic: str) -> tuple[str, ...]:
    """The distinct keys of one name part written in either script; ``("",)`` when absent."""
    a = name_key(latin) if latin and not latin.isspace() else None
    b = name_key(arabic) if arabic and not arabic.isspace() else None
    if a is None:
        return ("",) if b is None else (b,)
    return (a,) if b is None or b == a else (a, b)


def _keys(record: PersonRecord) -> _Keys:
    firsts = _variants(record.first_latin, record.first_ar)
    lasts = _variants(record.last_latin, record.last_ar)
    names = tuple((f, last) for f in firsts for last in lasts)
    parts = tuple(k for k in dict.fromkeys(firsts + lasts) if k)
    phone = record.phone.strip() if record.phone else None
    cin = normalise_cin(record.cin) if record.cin else None
    return _Keys(names, parts, record.birth_date, phone or None, cin or None)


# Name-match kinds, best first.
_SAME, _SWAPPED, _SIMILAR = 0, 1, 2
_NAME_WEIGHT = {_SAME: 1.0, _SWAPPED: 0.95}
# Points by corroborating fact(s), before the name weight.
_BOTH_POINTS, _DATE_POINTS, _PHONE_POINTS = 98.0, 90.0, 85.0


def _name_match(a: _Keys, b: _Keys) -> tuple[int, float] | None:
    """The best name match between two records as ``(kind, weight)``, or ``None``."""
    best: tuple[int, float] | None = None
    for (fa, la), (fb, lb) in product(a.names, b.names):
        if fa == fb and la == lb and (fa or la):
            return _SAME, _NAME_WEIGHT[_SAME]
        if fa == lb and la == fb and fa != la:
            best = (_SWAPPED, _NAME_WEIGHT[_SWAPPED])
            continue
        if best is not None and best[0] == _SWAPPED:
            continue
        if (fa == fb and fa) or (la == lb and la):
            other_a, other_b = (la, lb) if fa == fb and fa else (fa, fb)
            similarity = ratio(other_a, other_b)
            if similarity >= SIMILARITY_THRESHOLD:
                # 0.6 at the threshold up to 0.9 for (near-)identical keys.
                weight = 0.6 + 0.3 * (similarity - SIMILARITY_THRESHOLD) / (
                    100.0 - SIMILARITY_THRESHOLD
                )
                if best is None or weight > best[1]:
                    best = (_SIMILAR, weight)
    return best


def _compare(query: _Keys, existing: _Keys) -> tuple[float, tuple[str, ...]] | None:
    """Score and reasons if ``existing`` is a likely duplicate of ``query``, else ``None``."""
    reasons: list[str] = []
    same_cin = query.cin is not None and query.cin == existing.cin
    if same_cin:
        reasons.append("same_cin")
    same_date = query.birth_date is not None and query.birth_date == existing.birth_date
    same_phone = query.phone is not None and query.phone == existing.phone
    score = 100.0 if same_cin else 0.0
    if same_date or same_phone:
        name = _name_match(query, existing)
        if name is not None:
            kind, weight = name
            prefix = "similar_name" if kind == _SIMILAR else "same_name"
            if kind == _SWAPPED:
                reasons.append("swapped_names")
            if same_date:
                reasons.append(f"{prefix}_birth_date")
            if same_phone:
                reasons.append(f"{prefix}_phone")
            if not same_cin:
                points = (
                    _BOTH_POINTS
                    if same_date and same_phone
                    else _DATE_POINTS
                    if same_date
                    else _PHONE_POINTS
                )
                score = round(points * weight, 1)
    if not reasons:
        return None
    return score, tuple(reasons)


def _rank(found: list[tuple[float, int, Match]]) -> list[Match]:
    found.sort(key=lambda item: (-item[0], item[1]))
    return [match for _, _, match in found]


# ---------------------------------------------------------------------------------------------
# Index and brute force
# ---------------------------------------------------------------------------------------------


class DedupIndex:
    """An in-memory blocking index over person records.

    Records are bucketed by ``(part key, birth date)``, ``(part key, phone)`` and ``cin``, so
    :meth:`candidates` only compares a record with those sharing a bucket, never all records;
    the result equals :func:`find_duplicates` over the same records. Adding a record whose id
    is already indexed replaces it (keeping its original position for tie-breaking).
    """

    def __init__(self, records: Iterable[PersonRecord] = ()) -> None:
        self._entries: dict[int | str, tuple[int, _Keys]] = {}
        self._buckets: dict[tuple[object, ...], set[int | str]] = {}
        self._sequence = count()
        for record in records:
            self.add(record)

    @staticmethod
    def _bucket_keys(keys: _Keys) -> Iterator[tuple[object, ...]]:
        if keys.cin is not None:
            yield ("cin", keys.cin)
        for part in keys.parts:
            if keys.birth_date is not None:
                yield ("date", part, keys.birth_date)
            if keys.phone is not None:
                yield ("phone", part, keys.phone)

    def add(self, record: PersonRecord) -> None:
        """Index ``record``, replacing any record with the same id."""
        keys = _keys(record)
        previous = self._entries.get(record.id)
        if previous is not None:
            for bucket in self._bucket_keys(previous[1]):
                ids = self._buckets[bucket]
                ids.discard(record.id)
                if not ids:
                    del self._buckets[bucket]
            sequence = previous[0]
        else:
            sequence = next(self._sequence)
        self._entries[record.id] = (sequence, keys)
        for bucket in self._bucket_keys(keys):
            self._buckets.setdefault(bucket, set()).add(record.id)

    def __len__(self) -> int:
        return len(self._entries)

    def candidates(self, record: PersonRecord) -> list[Match]:
        """Likely duplicates of ``record`` among the indexed records, best first (score
        descending, then insertion order); never a record with ``record.id``."""
        keys = _keys(record)
        seen: set[int | str] = {record.id}
        found: list[tuple[float, int, Match]] = []
        for bucket in self._bucket_keys(keys):
            for existing_id in self._buckets.get(bucket, ()):
                if existing_id in seen:
                    continue
                seen.add(existing_id)
                sequence, existing = self._entries[existing_id]
                result = _compare(keys, existing)
                if result is not None:
                    found.append((result[0], sequence, Match(existing_id, *result)))
        return _rank(found)


def find_duplicates(record: PersonRecord, existing: Iterable[PersonRecord]) -> list[Match]:
    """Likely duplicates of ``record`` in ``existing`` by comparing every pair (the reference
    the index must agree with; fine for small sets). Same order and contents as
    ``DedupIndex(existing).candidates(record)``; a later record with a repeated id wins."""
    latest: dict[int | str, PersonRecord] = {}
    for other in existing:
        latest[other.id] = other
    keys = _keys(record)
    found: list[tuple[float, int, Match]] = []
    for sequence, other in enumerate(latest.values()):
        if other.id == record.id:
            continue
        result = _compare(keys, _keys(other))
        if result is not None:
            found.append((result[0], sequence, Match(other.id, *result)))
    return _rank(found)
