import pytest
from django.urls import reverse

from markaz.caravan import imports
from markaz.caravan.models import School
from markaz.registry.imports import FileRejected

pytestmark = pytest.mark.django_db

HEADER = ",".join(imports.template_rows()[0])
GOOD = [
    "ep-1,École A,مدرسة أ,Rislane,primaire,rural,1,34.77,-2.46,120,131,Dir A,0536613456",
    "col-1,Collège B,إعدادية ب,berkane,collège,,1,34.92,-2.32,300,310,,",
]


def csv(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode()


def test_clean_file_imports_and_twice_changes_nothing(territory):
    checked = imports.check_file(file_name="s.csv", content=csv(*GOOD))
    assert not checked.errors and len(checked.rows) == 2
    assert imports.schools_import(rows=checked.rows) == {"created": 2, "updated": 0, "unchanged": 0}
    again = imports.check_file(file_name="s.csv", content=csv(*GOOD))
    assert imports.schools_import(rows=again.rows) == {"created": 0, "updated": 0, "unchanged": 2}
    b = School.objects.get(code="col-1")
    assert (b.level, b.area, b.director_phone) == ("college", "urban", "")
    assert School.objects.get(code="ep-1").director_phone == "+212536613456"


def test_errors_by_row_and_column_and_nothing_written(territory):
    bad = [
        GOOD[0],
        "x2,École X,مدرسة,Casablanca,primaire,,1,34.8,-2.4,,,,",  # unknown commune
        "x3,École Y,مدرسة,Rislane,université,,1,34.8,-2.4,,,,",  # bad level
        "x4,École Z,مدرسة,Rislane,primaire,,1,48.8,2.3,,,,",  # outside the province
        "x5,École W,مدرسة,Rislane,primaire,,1,34.8,-2.4,-3,abc,,12",  # counts and phone
        "ep-1,Doublon,مدرسة,Rislane,primaire,,1,34.8,-2.4,,,,",  # code repeated
    ]
    checked = imports.check_file(file_name="s.csv", content=csv(*bad))
    by_row = {}
    for e in checked.errors:
        by_row.setdefault(e.row, set()).add(e.column)
    assert by_row == {
        3: {"commune"},
        4: {"level"},
        5: {"latitude", "longitude"},
        6: {"girls", "boys", "director_phone"},
        7: {"code"},
    }
    assert School.objects.count() == 0


def test_wrong_columns_are_refused(territory):
    with pytest.raises(FileRejected):
        imports.check_file(file_name="s.csv", content=csv(GOOD[0], header="code,name"))
    with pytest.raises(FileRejected):
        imports.check_file(
            file_name="s.csv", content=csv(GOOD[0], header=HEADER.replace("latitude", "lattitude"))
        )


def test_import_through_the_screens(client, territory, coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(coordinator)
    preview = client.post(
        reverse("caravan:school_import"), {"file": SimpleUploadedFile("s.csv", csv(*GOOD))}
    )
    assert preview.status_code == 200 and School.objects.count() == 0
    client.post(reverse("caravan:school_import"), {"confirm": "1"})
    assert School.objects.count() == 2
