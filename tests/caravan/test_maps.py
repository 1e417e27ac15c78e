"""The offline SVG map: valid XML, one marker per school, accessible, shaded communes."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from markaz.caravan.maps import province_svg
from markaz.territory.models import Commune

SVG = "{http://www.w3.org/2000/svg}"
pytestmark = pytest.mark.django_db


def _points(n: int) -> list[dict]:
    kinds = ["school", "visited", "unvisited"]
    return [
        {
            "lat": 34.80 + (i % 10) * 0.03,
            "lon": -2.60 + (i // 10) * 0.05,
            "label": f"École <{i}> & co",
            "kind": kinds[i % 3],
        }
        for i in range(n)
    ]


def test_svg_parses_with_one_marker_per_school(territory):
    points = _points(102)
    points[0]["href"] = "/caravan/schools/?a=1&b=2"
    svg = province_svg(points, routes=[[(34.92, -2.32), (35.1, -2.28), (34.95, -2.10)]])
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    markers = [el for el in root.iter(f"{SVG}circle") if "marker" in el.get("class", "").split()]
    assert len(markers) == 102
    assert sorted(m.get("data-kind") for m in markers) == sorted(p["kind"] for p in points)
    # Labels are escaped text, read by screen readers.
    assert {m.find(f"{SVG}title").text for m in markers} == {p["label"] for p in points}
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    assert len(list(root.iter(f"{SVG}a"))) == 1
    # Every marker lies inside the drawing.
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    for m in markers:
        assert 0 <= float(m.get("cx")) <= width and 0 <= float(m.get("cy")) <= height


def test_svg_draws_every_commune_with_its_name_and_an_accessible_title(territory):
    root = ET.fromstring(province_svg([]))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text
    assert root.find(f"{SVG}desc").text
    names = {t.text for t in root.iter(f"{SVG}text")}
    assert names == set(Commune.objects.values_list("name_fr", flat=True))
    assert len(root.findall(f".//{SVG}g[@class='commune']")) == Commune.objects.count() == 16


def test_svg_in_arabic_names_communes_in_arabic_and_keeps_geography(territory):
    with translation.override("ar"):
        svg = province_svg(_points(3))
    root = ET.fromstring(svg)
    names = {t.text for t in root.iter(f"{SVG}text")}
    assert names == set(Commune.objects.values_list("name_ar", flat=True))
    assert root.find(f".//{SVG}g[@class='labels']").get("direction") == "rtl"
    # The map itself is never mirrored: the same x in both languages.
    with translation.override("fr"):
        fr = ET.fromstring(province_svg(_points(3)))
    xs = [c.get("cx") for c in root.iter(f"{SVG}circle")]
    assert xs == [c.get("cx") for c in fr.iter(f"{SVG}circle")]


def test_communes_are_shaded_by_their_value(territory):
    svg = province_svg([], commune_values={"berkane": 100, "saidia": 10, "ahfir": 0})
    root = ET.fromstring(svg)
    fills = {
        g.get("data-code"): g.find(f"{SVG}circle").get("fill")
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "commune"
    }
    assert fills["berkane"] == "#0b5563"  # the top value gets the darkest shade
    assert fills["ahfir"] == fills["aklim"] == "#eef3f4"  # nothing reached
    assert fills["saidia"] not in {fills["berkane"], fills["ahfir"]}
