"""Load Berkane province and its 16 communes (reference data with its source, see data/README)."""

from django.db import migrations


def load(apps, schema_editor):
    from markaz.territory.services import province_load_berkane

    province_load_berkane(
        province_model=apps.get_model("territory", "Province"),
        commune_model=apps.get_model("territory", "Commune"),
    )


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
