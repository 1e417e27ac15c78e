"""Centre.occupancy kept by the database: see markaz/centre/db_triggers.py."""

from django.db import migrations, models

from markaz.centre import db_triggers


class Migration(migrations.Migration):
    dependencies = [("centre", "0006_door_indexes")]

    operations = [
        migrations.AlterField(
            model_name="centre",
            name="occupancy",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Youth in the building now: its open presences, counted by the database.",
            ),
        ),
        migrations.RunPython(db_triggers.create, db_triggers.drop),
    ]
