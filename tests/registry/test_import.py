import io

import pytest
from openpyxl import Workbook

from markaz.registry import services
from markaz.registry.imports import FileRejected, template_rows
from markaz.registry.models import Consent, DuplicateFlag, ImportBatch, Person

pytestmark = pytest.mark.django_db

HEADER = ",".join(template_rows()[0])


def csv_bytes(*rows: str, header: str = HEADER, sep: str = ",") -> bytes:
    return ("\n".join([header.replace(",", sep), *rows]) + "\n").encode("utf-8")


ROW_OK = (
    "FA100001,Mohamed,Benali,محمد,بنعلي,2000-01-15,M,0612345670,berkane,unemployed,bac,,,ar,yes"
)
ROW_OK2 = "FA100002,Salma,Tahiri,سلمى,الطاهري,14/02/1999,F,0612345671,Rislane,stagiaire,university,,9.1,fr,oui"


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    """Let queued background work run as it would after the request's commit."""
    original = services.import_commit

    def commit_and_run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(**kwargs)

    services.import_commit = commit_and_run
    yield
    services.import_commit = original


def preview(centre, user, content, name="people.csv"):
    return services.import_preview(centre=centre, file_name=name, content=content, actor=user)


def test_clean_file_previews_then_imports_all(centre, coordinator):
    batch, checked, summary = preview(centre, coordinator, csv_bytes(ROW_OK, ROW_OK2))
    assert checked.ok and summary["new"] == 2 and Person.objects.count() == 0
    job = services.import_commit(batch=batch, actor=coordinator)
    job.refresh_from_db()
    assert job.status == "done" and job.result["created"] == 2
    salma = Person.objects.get(cin="FA100002")
    assert salma.commune.code == "rislane" and salma.activity_status == "trainee"
    assert str(salma.birth_date) == "1999-02-14"
    assert Consent.objects.filter(method=Consent.Method.PAPER).count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.rows_new == 2


def test_same_file_twice_adds_nobody(centre, coordinator):
    content = csv_bytes(ROW_OK, ROW_OK2)
    batch, _, _ = preview(centre, coordinator, content)
    services.import_commit(batch=batch, actor=coordinator)
    batch2, _, summary = preview(centre, coordinator, content)
    assert summary["new"] == 0 and summary["existing"] == 2 and summary["previous"] == batch
    services.import_commit(batch=batch2, actor=coordinator)
    assert Person.objects.count() == 2
    batch2.refresh_from_db()
    assert batch2.rows_existing == 2 and batch2.rows_new == 0


def test_errors_are_reported_by_row_and_column_and_nothing_is_written(centre, coordinator):
    bad = [
        ROW_OK,
        "XX,Ali,Bad,,,2000-01-01,M,,berkane,unemployed,bac,,,ar,yes",  # bad CIN
        "FA100003,Ali,Bad,,,31/02/2000,M,,berkane,unemployed,bac,,,ar,yes",  # impossible date
        "FA100004,Ali,Bad,,,2000-01-01,M,12345,berkane,unemployed,bac,,,ar,yes",  # bad phone
        "FA100005,Ali,Bad,,,2000-01-01,M,,Casablanca,unemployed,bac,,,ar,yes",  # unknown commune
        "FA100006,Ali,Bad,,,2000-01-01,M,,berkane,unemployed,bac,,,ar,",  # no consent
        "FA100001,Ali,Repeat,,,2000-01-01,M,,berkane,unemployed,bac,,,ar,yes",  # CIN repeated
        "FA100007,Ali,Bad,,,2099-01-01,M,,berkane,unemployed,bac,,,ar,yes",  # future birth
    ]
    batch, checked, summary = preview(centre, coordinator, csv_bytes(*bad))
    assert batch is None and not checked.ok
    rows = sorted({e.row for e in checked.errors})
    assert rows == [3, 4, 5, 6, 7, 8, 9]
    by_row = {e.row: e for e in checked.errors}
    assert by_row[3].column == "CIN" and "CIN" in by_row[3].message
    assert by_row[5].column == "Téléphone"  # French is the default language
    assert "ligne 2" in by_row[8].message
    assert Person.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_error_messages_follow_the_users_language(centre, coordinator, settings):
    from django.utils import translation

    with translation.override("ar"):
        _, checked, _ = preview(
            centre,
            coordinator,
            csv_bytes("XX,Ali,Bad,,,2000-01-01,M,,berkane,unemployed,bac,,,ar,yes"),
        )
    assert any("\u0600" <= ch <= "\u06ff" for ch in checked.errors[0].message)
    assert any("\u0600" <= ch <= "\u06ff" for ch in checked.errors[0].column)


def test_wrong_encoding_is_refused_clearly(centre, coordinator):
    content = (
        csv_bytes("FA100009,Amine,Chaoui,,,2000-01-01,M,,Saïdia,unemployed,bac,,,ar,yes")
        .decode()
        .encode("latin-1")
    )
    with pytest.raises(FileRejected, match="UTF-8"):
        preview(centre, coordinator, content)
    assert ImportBatch.objects.count() == 0


def test_wrong_columns_are_refused_clearly(centre, coordinator):
    with pytest.raises(FileRejected, match="Colonnes manquantes"):
        preview(centre, coordinator, csv_bytes(ROW_OK, header="cin,first_name_latin"))
    with pytest.raises(FileRejected, match="Colonnes inconnues : birthdate"):
        preview(
            centre, coordinator, csv_bytes(ROW_OK, header=HEADER.replace("birth_date", "birthdate"))
        )
    with pytest.raises(FileRejected, match="CSV"):
        preview(centre, coordinator, b"%PDF-1.4", name="people.pdf")


def test_french_semicolon_csv_with_french_headers(centre, coordinator):
    header = "CIN;Prénom;Nom;Date de naissance;Sexe;Téléphone;Commune;Situation;Niveau;Consentement"
    content = (
        header + "\nFA200001;Imane;Bouazza;05/06/2002;F;0677889900;Ahfir;chômeuse;bac;oui\n"
    ).encode("utf-8-sig")
    batch, checked, _ = preview(centre, coordinator, content)
    assert checked.ok, checked.errors
    services.import_commit(batch=batch, actor=coordinator)
    p = Person.objects.get(cin="FA200001")
    assert (p.sex, p.activity_status, p.commune.code, p.phone) == (
        "F",
        "unemployed",
        "ahfir",
        "+212677889900",
    )


def test_xlsx_import_with_typed_cells(centre, coordinator):
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.append(template_rows()[0])
    ws.append(
        [
            "FA300001",
            "Hamza",
            "Ziani",
            "حمزة",
            "الزياني",
            dt.date(1997, 7, 7),  # Excel gives it back as a datetime
            "M",
            612000111,
            "Madagh",
            "unemployed",
            "bac",
            None,
            8.5,
            "ar",
            "yes",
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    batch, checked, _ = preview(centre, coordinator, buf.getvalue(), name="people.xlsx")
    assert checked.ok, checked.errors
    services.import_commit(batch=batch, actor=coordinator)
    p = Person.objects.get(cin="FA300001")
    assert p.phone == "+212612000111" and str(p.birth_date) == "1997-07-07"


def test_import_flags_likely_duplicates_against_registry_and_within_file(centre, coordinator):
    services.person_create(
        centre=centre,
        data={
            "first_name_latin": "Mohammed",
            "last_name_latin": "Ben Ali",
            "cin": "FZ1",
            "birth_date": __import__("datetime").date(2000, 1, 15),
            "sex": "M",
            "phone": "",
            "commune": "berkane",
            "activity_status": "unemployed",
            "education_level": "bac",
        },
    )
    twin = "FA100010,Muhammad,Benali,,,2000-01-15,M,,berkane,unemployed,bac,,,ar,yes"
    batch, _, _ = preview(centre, coordinator, csv_bytes(ROW_OK, twin))
    services.import_commit(batch=batch, actor=coordinator)
    assert DuplicateFlag.objects.count() == 3  # FZ1~row1, FZ1~row2, row1~row2


def test_a_file_changed_in_between_fails_as_a_whole(centre, coordinator):
    """All or nothing: if the commit finds a bad row, nobody from the file is written."""
    batch, _, _ = preview(centre, coordinator, csv_bytes(ROW_OK, ROW_OK2))
    ImportBatch.objects.filter(pk=batch.pk).update(content=csv_bytes(ROW_OK, "XX,bad"))
    job = services.import_commit(batch=batch, actor=coordinator)
    job.refresh_from_db()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert Person.objects.count() == 0
