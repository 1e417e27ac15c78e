"""The database table of the shared cache (settings.CACHES), so every install and every
benchmark database has it after `migrate` (Django's `createcachetable`, which does nothing when
the table exists or the cache is Redis)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_outbox_delivery")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
