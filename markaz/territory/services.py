"""Loading the province's reference data (a fixture copied into the project with its source)."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import transaction

COMMUNES_CSV = Path(__file__).resolve().parent / "data" / "communes.csv"


def province_load_berkane(*, province_model, commune_model) -> None:
    """Create or update Berkane province and its 16 communes. Idempotent.

    Takes the model classes so the data migration can pass its historical models.
    """
    with transaction.atomic():
        province, _ = province_model.objects.update_or_create(
            code="berkane", defaults={"name_fr": "Berkane", "name_ar": "بركان"}
        )
        with COMMUNES_CSV.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                commune_model.objects.update_or_create(
                    code=row["code"],
                    defaults={
                        "province": province,
                        "name_fr": row["name_fr"],
                        "name_ar": row["name_ar"],
                        "kind": row["kind"],
                        "latitude": Decimal(row["lat"]),
                        "longitude": Decimal(row["lon"]),
                        "coordinates_approximate": row["approximate"] == "1",
                        "coordinates_source": row["coord_source"],
                        "population_2014": int(row["population_2014"]),
                    },
                )
