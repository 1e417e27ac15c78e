"""A job's last sign of life, for the reaper of jobs whose worker died (issue 13)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0006_one_time_code")]

    operations = [
        migrations.AddField(
            model_name="job",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
