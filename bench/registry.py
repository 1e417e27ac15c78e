"""Benchmark: the registry at scale. Prints one JSON object.

With 100,000 synthetic persons in a SQLite database (WAL, as `make run` uses), measure
- the staff registry search page (full request: middleware, query, template), by name in Latin
  and Arabic script, CIN and phone: p50 and p95 in milliseconds (target p95 < 150 ms);
- the import of a 10,000-row file checked for duplicates against those 100,000 (target < 20 s),
  as the background worker runs it (parse and check every row, then write all or nothing).
Not a timed test: run it with `make bench`. Figures depend on the machine; compare within a run.
"""

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _smoke import smoke_sizes  # noqa: E402

SMOKE = smoke_sizes(BENCH_PERSONS="500", BENCH_IMPORT_ROWS="50", BENCH_SEARCHES="3")
DB = ROOT / "var" / ("bench-registry-smoke.sqlite3" if SMOKE else "bench-registry.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["MARKAZ_SQLITE_PATH"] = str(DB)
os.environ.pop("DATABASE_URL", None)

PERSONS = int(os.environ.get("BENCH_PERSONS", "100000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
SEARCHES_PER_KIND = int(os.environ.get("BENCH_SEARCHES", "40"))


def main() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(DB) + suffix).unlink(missing_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    setup_test_environment()
    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model

    from markaz.core.models import StaffProfile
    from markaz.core.roles import Role
    from markaz.demo.names import FEMALE, LAST, MALE
    from markaz.registry import services
    from markaz.registry.imports import COLUMNS
    from markaz.registry.models import DuplicateFlag, Person
    from markaz.territory.models import Commune

    rng = random.Random(42)
    berkane = Commune.objects.get(code="berkane")
    communes = list(Commune.objects.all())
    from markaz.centre.models import Centre

    centre = Centre.objects.create(
        code="berkane",
        name_fr="Centre",
        name_ar="مركز",
        commune=berkane,
        floor_area_m2=600,
        max_occupancy=100,
    )
    user = get_user_model().objects.create_user("coordinator", password="x")
    StaffProfile.objects.create(user=user, role=Role.COORDINATOR, centre=centre)

    # More surnames than the demo's: 30 families × 40 suffixes keeps name searches realistic.
    suffixes = ["", "i", "a", "ani", "oui", "ine", "ane", "ou", "aoui", "iri"] * 4
    lasts = [(name + s, ar) for name, ar in LAST for s in suffixes[:40]]
    t0 = time.perf_counter()
    people, cins, phones = [], set(), set()
    for i in range(PERSONS):
        female = rng.random() < 0.5
        first, first_ar = rng.choice(FEMALE if female else MALE)
        last, last_ar = rng.choice(lasts)
        cin = f"{rng.choice('ABCDFGHJKLMNPQRSTUVWXYZ')}{rng.choice('ABCDEFGHJK')}{i:06d}"
        phone = f"+2126{rng.randint(10000000, 99999999)}"
        p = Person(
            centre=centre,
            first_name_latin=first,
            last_name_latin=last,
            first_name_ar=first_ar,
            last_name_ar=last_ar,
            cin=cin,
            birth_date=dt.date(1990, 1, 1) + dt.timedelta(days=rng.randint(0, 6000)),
            sex="F" if female else "M",
            phone=phone,
            commune=rng.choice(communes),
            activity_status="unemployed",
            education_level="bac",
            preferred_language="ar",
        )
        people.append(p)
        cins.add(cin)
        phones.add(phone)
    Person.objects.bulk_create(people, batch_size=2000)
    from markaz.registry.models import PersonSearchToken

    PersonSearchToken.objects.bulk_create(services.person_tokens_build(people), batch_size=5000)
    seed_seconds = time.perf_counter() - t0

    client = Client()
    client.force_login(user)
    sample = rng.sample(people, SEARCHES_PER_KIND * 4)
    queries = {
        "name_latin": [
            f"{p.first_name_latin} {p.last_name_latin}" for p in sample[:SEARCHES_PER_KIND]
        ],
        "name_arabic": [p.last_name_ar for p in sample[SEARCHES_PER_KIND : 2 * SEARCHES_PER_KIND]],
        "cin": [p.cin for p in sample[2 * SEARCHES_PER_KIND : 3 * SEARCHES_PER_KIND]],
        "phone": ["0" + p.phone[4:] for p in sample[3 * SEARCHES_PER_KIND :]],
    }
    client.get("/registry/", {"q": "warm up"})
    timings: dict[str, list[float]] = {}
    for kind, qs in queries.items():
        for q in qs:
            t = time.perf_counter()
            response = client.get("/registry/", {"q": q})
            timings.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200 and response.context["page"].paginator.count >= 1, (
                kind,
                q,
            )
    all_ms = sorted(x for v in timings.values() for x in v)

    def p95(values):
        values = sorted(values)
        return values[max(0, int(round(0.95 * len(values))) - 1)]

    # A 10,000-row file: new people, a tenth of them transliterated twins of registered people.
    header = list(COLUMNS)
    variants = {
        "Mohamed": "Mohammed",
        "Youssef": "Yousef",
        "Hicham": "Hisham",
        "Khadija": "Khadidja",
    }
    lines = [",".join(header)]
    for i in range(IMPORT_ROWS):
        if i % 10 == 0:
            twin = rng.choice(people)
            first = variants.get(twin.first_name_latin, twin.first_name_latin)
            last, bd = twin.last_name_latin, twin.birth_date
        else:
            first = rng.choice(FEMALE + MALE)[0]
            last, bd = (
                rng.choice(lasts)[0],
                dt.date(1990, 1, 1) + dt.timedelta(days=rng.randint(0, 6000)),
            )
        cin = f"I{i:06d}"
        lines.append(
            ",".join(
                [
                    cin,
                    first,
                    last,
                    "",
                    "",
                    bd.isoformat(),
                    "F",
                    "",
                    "berkane",
                    "unemployed",
                    "bac",
                    "",
                    "",
                    "ar",
                    "yes",
                ]
            )
        )
    content = ("\n".join(lines) + "\n").encode()
    t = time.perf_counter()
    batch, checked, summary = services.import_preview(
        centre=centre, file_name="bench.csv", content=content, actor=user
    )
    preview_seconds = time.perf_counter() - t
    assert batch is not None, checked.errors[:5]
    t = time.perf_counter()
    result = services.import_run(batch_id=batch.pk)
    import_seconds = time.perf_counter() - t

    print(
        json.dumps(
            {
                "benchmark": "registry",
                "smoke": SMOKE,
                "database": "sqlite (WAL)",
                "persons": Person.objects.count() - result["created"],
                "seed_seconds": round(seed_seconds, 1),
                "search_requests": len(all_ms),
                "search_p50_ms": round(statistics.median(all_ms), 1),
                "search_p95_ms": round(p95(all_ms), 1),
                "search_p95_ms_by_kind": {k: round(p95(v), 1) for k, v in timings.items()},
                "search_target_p95_ms": 150,
                "import_rows": IMPORT_ROWS,
                "import_preview_seconds": round(preview_seconds, 2),
                "import_commit_seconds": round(import_seconds, 2),
                "import_total_seconds": round(preview_seconds + import_seconds, 2),
                "import_created": result["created"],
                "import_duplicates_flagged": DuplicateFlag.objects.count(),
                "import_target_seconds": 20,
            }
        )
    )


if __name__ == "__main__":
    main()
